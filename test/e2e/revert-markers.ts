// Markers that prove what a revert did on real libvirt, beyond test/support/libvirt/disk-pattern.ts: a CMOS byte
// in the guest's device state (read and written through the HMP monitor, recipe from the hypervisor lab note),
// and disk patterns written to the image of a shut-off domain.
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { virsh } from '../support/libvirt/test-domain.ts';

const run = promisify(execFile);
/** A CMOS byte SeaBIOS leaves alone. */
const CMOS_INDEX = '0x40';
const ATTEMPTS = 20;

function hmp(domain: string, command: string): Promise<string> {
  return virsh(['qemu-monitor-command', '--domain', domain, '--hmp', command]);
}

/**
 * Reads the CMOS marker. SeaBIOS moves the same index port during POST (after a start and at each boot retry),
 * so one read can land on another register: read until two reads agree.
 */
export async function readCmosMarker(domain: string): Promise<number> {
  let previous: number | undefined;
  for (let i = 0; i < ATTEMPTS; i++) {
    await hmp(domain, `o /b 0x70 ${CMOS_INDEX}`);
    const out = await hmp(domain, 'i /b 0x71');
    const match = /=\s*0x([0-9a-f]+)/i.exec(out);
    if (!match?.[1]) throw new Error(`unexpected HMP answer reading CMOS of ${domain}: ${out.trim()}`);
    const value = Number.parseInt(match[1], 16);
    if (value === previous) return value;
    previous = value;
    await sleep(200);
  }
  throw new Error(`CMOS marker of ${domain} did not read the same twice in ${ATTEMPTS} attempts`);
}

/** Writes the CMOS marker and reads it back until it sticks (a write during POST can land elsewhere). */
export async function writeCmosMarker(domain: string, value: number): Promise<void> {
  for (let i = 0; i < ATTEMPTS; i++) {
    await hmp(domain, `o /b 0x70 ${CMOS_INDEX}`);
    await hmp(domain, `o /b 0x71 0x${value.toString(16)}`);
    if ((await readCmosMarker(domain)) === value) return;
    await sleep(500);
  }
  throw new Error(`CMOS marker 0x${value.toString(16)} did not stick on ${domain}`);
}

/** Writes `pattern` to the first 64 KiB of a shut-off domain's image (libvirt does not have it open). */
export async function writeDiskPatternOffline(imagePath: string, pattern: number): Promise<void> {
  await run('qemu-io', ['-f', 'qcow2', '-c', `write -P 0x${pattern.toString(16)} 0 64k`, imagePath]);
}
