// Tiny real libvirt domains for tests: no OS (unless a kernel is given), 64 MiB RAM (unless told), one qcow2 (or
// raw) disk, `<domain type='qemu'>` (TCG), no graphics. SeaBIOS runs forever, which is enough for every snapshot
// operation. Each domain gets a unique name carrying the test process's pid, so leftovers of a killed run can be
// swept safely by later runs while other processes' domains are left alone.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tinyDomainXml } from '../../../src/demo/demo-domain.ts';

const run = promisify(execFile);

export const TEST_URI = process.env.VMSNAP_TEST_LIBVIRT_URI ?? 'qemu:///system';
export const TEST_DOMAIN_PREFIX = 'vmsnap-t-';
const IMAGES_DIR = process.env.VMSNAP_TEST_IMAGES_DIR ?? '/var/lib/libvirt/images/vmsnap-test';

export interface TestDomain {
  name: string;
  uuid: string;
  diskPath: string;
  diskFormat: 'qcow2' | 'raw';
  uri: string;
  /** Destroys and undefines the domain (with its snapshot metadata) and deletes its disk. Idempotent. */
  remove(): Promise<void>;
}

export interface TestDomainOptions {
  uri?: string;
  /** Part of the domain name, for humans reading `virsh list`. */
  label?: string;
  diskFormat?: 'qcow2' | 'raw';
  /** Start the domain after defining it. Default false. */
  start?: boolean;
  /** Guest RAM. Default 64. */
  memoryMiB?: number;
  /**
   * A kernel to boot instead of the empty disk (e.g. bench/lib/memory-fill-kernel.ts's): copied next to the disk,
   * where QEMU (running as libvirt-qemu) can read it.
   */
  kernel?: string;
}

/** virsh with LC_ALL=C against the test URI; rejects with virsh's stderr in the message. */
export async function virsh(args: readonly string[], uri = TEST_URI): Promise<string> {
  try {
    const { stdout } = await run('virsh', ['-c', uri, '-q', ...args], {
      env: { ...process.env, LC_ALL: 'C' },
    });
    return stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`virsh ${args.join(' ')}: ${stderr.trim() || String(err)}`);
  }
}

/**
 * Whether libvirt answers on `uri`. Tests skip (loudly) when it does not; with CI=true they must fail instead,
 * so this throws there.
 */
export async function libvirtAvailable(uri = TEST_URI): Promise<boolean> {
  try {
    await run('virsh', ['-c', uri, '-q', 'version'], {
      env: { ...process.env, LC_ALL: 'C' },
      timeout: 15_000,
    });
    await run('qemu-img', ['--version']);
    return true;
  } catch (err) {
    const why = `libvirt is not answering on ${uri} (or qemu-img is missing): ${String(err)}. Run: bash scripts/setup-host.sh`;
    if (process.env.CI === 'true') throw new Error(why);
    console.warn(`\n*** SKIPPING libvirt tests: ${why}\n`);
    return false;
  }
}

export async function createTestDomain(options: TestDomainOptions = {}): Promise<TestDomain> {
  const uri = options.uri ?? TEST_URI;
  const diskFormat = options.diskFormat ?? 'qcow2';
  const name = `${TEST_DOMAIN_PREFIX}${process.pid}-${options.label ?? 'd'}-${randomBytes(3).toString('hex')}`;
  const dir = join(IMAGES_DIR, name);
  await mkdir(dir, { recursive: true });
  const diskPath = join(dir, diskFormat === 'qcow2' ? 'disk.qcow2' : 'disk.img');
  await run('qemu-img', ['create', '-q', '-f', diskFormat, diskPath, '64M']);
  let kernelPath: string | undefined;
  if (options.kernel !== undefined) {
    kernelPath = join(dir, 'kernel.elf');
    await copyFile(options.kernel, kernelPath);
  }
  const xmlPath = join(dir, 'domain.xml');
  await writeFile(
    xmlPath,
    tinyDomainXml({ name, diskPath, diskFormat, memoryMiB: options.memoryMiB, kernelPath }),
  );
  await virsh(['define', '--file', xmlPath], uri);
  const uuid = (await virsh(['domuuid', '--domain', name], uri)).trim();
  const remove = async () => {
    await removeDomain(name, uri);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    if (options.start) await virsh(['start', '--domain', name], uri);
  } catch (err) {
    await remove();
    throw err;
  }
  return { name, uuid, diskPath, diskFormat, uri, remove };
}

export function domainXml(name: string, diskPath: string, diskFormat: 'qcow2' | 'raw'): string {
  return tinyDomainXml({ name, diskPath, diskFormat });
}

/** Destroys and undefines a domain; a domain that is already gone is fine. */
export async function removeDomain(name: string, uri = TEST_URI): Promise<void> {
  await virsh(['destroy', '--domain', name], uri).catch(() => {});
  await virsh(['undefine', '--domain', name, '--snapshots-metadata'], uri).catch(() => {});
}

/**
 * Removes test domains left by test processes that no longer run (killed runs). Domains of live processes,
 * including other engineers' parallel runs, are left alone.
 */
export async function sweepStaleTestDomains(uri = TEST_URI): Promise<string[]> {
  const names = (await virsh(['list', '--all', '--name'], uri))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(TEST_DOMAIN_PREFIX));
  const swept: string[] = [];
  for (const name of names) {
    const pid = Number(name.slice(TEST_DOMAIN_PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || processAlive(pid)) continue;
    await removeDomain(name, uri);
    await rm(join(IMAGES_DIR, name), { recursive: true, force: true });
    swept.push(name);
  }
  return swept;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The domain's state with reason, e.g. `running (booted)`. */
export async function domState(name: string, uri = TEST_URI): Promise<string> {
  return (await virsh(['domstate', '--domain', name, '--reason'], uri)).trim();
}

/** The names of the domain's snapshots on the hypervisor, as `virsh snapshot-list --name` lists them. */
export async function snapshotNames(domainName: string, uri = TEST_URI): Promise<string[]> {
  return (await virsh(['snapshot-list', '--domain', domainName, '--name'], uri))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}
