// Builds and watches the memory-fill guest (bench/lib/memory-fill.S): a multiboot kernel that fills all of the
// guest's RAM above 2 MiB with a non-zero, non-repeating pattern and halts. For snapshot benchmarks on a guest
// whose memory costs what a real guest's does: an OS-less guest's RAM is zero pages, which QEMU saves as a flag.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

const SOURCE = fileURLToPath(new URL('./memory-fill.S', import.meta.url));
/** Where the kernel leaves its "done" mark and the fill's end address (memory-fill.S: DONE_ADDR, DONE_MAGIC). */
const DONE_ADDR = 0x500;
const DONE_MAGIC = 0x4c4c4946;
/** Where the fill starts (memory-fill.S: FILL_START). */
const FILL_START = 0x200000;

/**
 * Assembles and links the kernel into `dir` with binutils (`as --32`, `ld -m elf_i386`; no libc) and returns the
 * ELF's path. `-N` keeps the ELF to one load segment at 1 MiB: without it ld adds a segment for the headers just
 * below 1 MiB, where the BIOS lives.
 */
export async function buildMemoryFillKernel(dir: string): Promise<string> {
  const object = join(dir, 'memory-fill.o');
  const elf = join(dir, 'memory-fill.elf');
  await tool('as', ['--32', '-o', object, SOURCE]);
  await tool('ld', [
    '-m',
    'elf_i386',
    '-N',
    '--no-warn-rwx-segments',
    '-Ttext=0x100000',
    '-e',
    '_start',
    '-o',
    elf,
    object,
  ]);
  return elf;
}

async function tool(command: string, args: string[]): Promise<void> {
  try {
    await run(command, args);
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        `${command} not found: the memory-fill guest needs binutils (apt-get install binutils)`,
      );
    }
    throw new Error(`${command} ${args.join(' ')} failed: ${String(e.stderr ?? e.message).trim()}`);
  }
}

/**
 * Waits until the kernel in `domain` has filled the guest's RAM (read through the QEMU monitor) and returns how
 * many MiB it filled. Rejects after `timeoutMs`, e.g. when the domain did not boot the kernel.
 */
export async function waitForMemoryFill(domain: string, uri: string, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [mark, end] = await readGuestWords(domain, uri, DONE_ADDR, 2);
    if (mark === DONE_MAGIC && end !== undefined) return (end - FILL_START) / (1024 * 1024);
    if (Date.now() > deadline) {
      throw new Error(
        `domain ${domain}: guest RAM not filled within ${timeoutMs} ms (did it boot memory-fill.elf?)`,
      );
    }
    await sleep(250);
  }
}

/** `count` 32-bit words of guest-physical memory at `address`, through the HMP `xp` command. */
export async function readGuestWords(
  domain: string,
  uri: string,
  address: number,
  count: number,
): Promise<number[]> {
  const out = await monitor(domain, uri, `xp /${count}wx 0x${address.toString(16)}`);
  return [...out.matchAll(/0x[0-9a-f]{8}(?![0-9a-f])/gi)].map((m) => Number(m[0])).slice(-count);
}

/** The VM SIZE column of `info snapshots` for the internal snapshot `tag`, e.g. `1020 MiB`; undefined if absent. */
export async function snapshotVmSize(domain: string, uri: string, tag: string): Promise<string | undefined> {
  const out = await monitor(domain, uri, 'info snapshots');
  const line = out.split('\n').find((l) => l.trim().split(/\s+/).includes(tag));
  return line?.match(/\d+(?:\.\d+)? (?:B|KiB|MiB|GiB|TiB)/)?.[0];
}

async function monitor(domain: string, uri: string, command: string): Promise<string> {
  const { stdout } = await run('virsh', ['-c', uri, '-q', 'qemu-monitor-command', domain, '--hmp', command], {
    env: { ...process.env, LC_ALL: 'C' },
  });
  return stdout;
}
