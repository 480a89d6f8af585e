// Proves what a revert did to a real disk: write a byte pattern into the guest's disk through QEMU (the
// guest has no OS to do it), read it back from outside with qemu-io. Recipe from the hypervisor lab note.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TEST_URI, virsh } from './test-domain.ts';

const run = promisify(execFile);
const PATTERN_LENGTH = '64k';

/** The QOM path of a virtio disk's backend; the short device id does not work with HMP qemu-io. */
function backendPath(alias: string): string {
  return `/machine/peripheral/${alias}/virtio-backend`;
}

/** Writes `pattern` (0-255) to the first 64 KiB of the running domain's disk `alias`, then flushes it. */
export async function writeDiskPattern(
  domain: string,
  pattern: number,
  alias = 'virtio-disk0',
  uri = TEST_URI,
) {
  const device = backendPath(alias);
  for (const command of [`write -P ${byte(pattern)} 0 ${PATTERN_LENGTH}`, 'flush']) {
    const out = await virsh(
      ['qemu-monitor-command', '--domain', domain, '--hmp', `qemu-io -d ${device} "${command}"`],
      uri,
    );
    if (out.trim() !== '') throw new Error(`qemu-io ${command} on ${domain}: ${out.trim()}`);
  }
}

/** Whether the image's first 64 KiB hold `pattern`; reads a shared (-U) read-only view, the VM may run. */
export async function diskHasPattern(imagePath: string, pattern: number, format = 'qcow2'): Promise<boolean> {
  try {
    await run('qemu-io', [
      '-r',
      '-U',
      '-f',
      format,
      '-c',
      `read -P ${byte(pattern)} 0 ${PATTERN_LENGTH}`,
      imagePath,
    ]);
    return true;
  } catch (err) {
    const out = `${(err as { stdout?: string }).stdout ?? ''}`;
    if (/Pattern verification failed/.test(out)) return false;
    throw err;
  }
}

function byte(pattern: number): string {
  if (!Number.isInteger(pattern) || pattern < 0 || pattern > 255)
    throw new Error(`pattern must be a byte: ${pattern}`);
  return `0x${pattern.toString(16).padStart(2, '0')}`;
}
