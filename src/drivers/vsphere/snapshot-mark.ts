// vmsnap's mark in a vSphere snapshot description: the shared format (../snapshot-description.ts) plus the VM's
// phase when the snapshot was taken. vSphere records a disk-only snapshot of a running VM as `poweredOff` (that
// is what reverting to it yields), so the phase the VM actually had is kept in the mark. The extra `vmPhase`
// field rides inside the shared JSON line, which the shared decoder ignores: other drivers read these marks.

import type { DomainPhase } from '../port.ts';
import {
  decodeSnapshotDescription,
  encodeSnapshotDescription,
  type SnapshotMark,
} from '../snapshot-description.ts';

export interface VsphereSnapshotMark extends SnapshotMark {
  vmPhase?: DomainPhase;
}

const MARK_KEY = 'vmsnap.io/v1';
const PHASES: ReadonlySet<string> = new Set(['Running', 'Stopped', 'Paused', 'Suspended', 'Unknown']);

export function encodeVsphereDescription(mark: SnapshotMark, vmPhase: DomainPhase): string {
  const shared = encodeSnapshotDescription(mark);
  const newline = shared.lastIndexOf('\n');
  const json = JSON.parse(shared.slice(newline + 1)) as Record<string, Record<string, unknown>>;
  const body = json[MARK_KEY];
  if (body) body.vmPhase = vmPhase;
  return `${shared.slice(0, newline)}\n${JSON.stringify(json)}`;
}

/** undefined for a foreign (or damaged) description. Never throws. */
export function decodeVsphereDescription(description: string): VsphereSnapshotMark | undefined {
  const mark = decodeSnapshotDescription(description);
  if (!mark) return undefined;
  const vmPhase = readVmPhase(description);
  return vmPhase ? { ...mark, vmPhase } : mark;
}

function readVmPhase(description: string): DomainPhase | undefined {
  try {
    const json = JSON.parse(description.trimEnd().split('\n').pop() ?? '') as Record<string, unknown>;
    const body = json[MARK_KEY];
    const phase =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>).vmPhase : undefined;
    return typeof phase === 'string' && PHASES.has(phase) ? (phase as DomainPhase) : undefined;
  } catch {
    return undefined;
  }
}
