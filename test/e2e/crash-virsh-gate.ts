// A stand-in `virsh` for the operator process under test: every call passes through to the real virsh, except
// `snapshot-create-as`, where it stops at a chosen point and says so in a marker file. The test then kills the
// operator at exactly that point relative to the real hypervisor call, which a timing guess could not do.
//
//   before: marks, then hangs without calling libvirt (the operator dies with the hold taken, nothing created)
//   during: marks, waits, then runs the real call to completion although the operator that started it is dead
//   after:  runs the real call, then marks and hangs (the snapshot exists; the operator never hears back)

import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type CrashPoint = 'before' | 'during' | 'after';

export interface GateMark {
  /** The stand-in's pid: the test kills it too when the call must never (or never visibly) finish. */
  pid: number;
  point: CrashPoint;
}

/** How long the `during` stand-in keeps the call in flight before libvirt starts it. */
const DURING_DELAY_MS = 1000;

/**
 * Writes the stand-in as `<dir>/bin/virsh` and returns the env that routes the operator's virsh calls through
 * it: PATH with that directory first, and where to write the mark.
 */
export async function installVirshGate(dir: string, point: CrashPoint): Promise<NodeJS.ProcessEnv> {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  const realVirsh = execFileSync('which', ['virsh'], { encoding: 'utf8' }).trim();
  const script = join(bin, 'virsh');
  await writeFile(script, gateScript(process.execPath, realVirsh));
  await chmod(script, 0o755);
  return {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    VMSNAP_CRASH_GATE_MARK: markPath(dir),
    VMSNAP_CRASH_POINT: point,
  };
}

/** The mark once the stand-in reached its point, else undefined. */
export async function readMark(dir: string): Promise<GateMark | undefined> {
  try {
    return JSON.parse(await readFile(markPath(dir), 'utf8')) as GateMark;
  } catch {
    return undefined;
  }
}

function markPath(dir: string): string {
  return join(dir, 'mark.json');
}

// CommonJS on purpose: the file has no extension, so node loads it as a plain script.
function gateScript(node: string, realVirsh: string): string {
  return `#!${node}
const { spawnSync } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const args = process.argv.slice(2);
const point = process.env.VMSNAP_CRASH_POINT;
const markFile = process.env.VMSNAP_CRASH_GATE_MARK;
const real = () => spawnSync(${JSON.stringify(realVirsh)}, args, { stdio: 'inherit' });
const mark = () => writeFileSync(markFile, JSON.stringify({ pid: process.pid, point }));
const hang = () => setInterval(() => {}, 60000);
if (!args.includes('snapshot-create-as') || !markFile) {
  const result = real();
  process.exit(result.status ?? 1);
}
if (point === 'before') {
  mark();
  hang();
} else if (point === 'during') {
  mark();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${DURING_DELAY_MS});
  process.exit(real().status ?? 1);
} else {
  real();
  mark();
  hang();
}
`;
}
