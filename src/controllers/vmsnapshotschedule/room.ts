// Whether a VM has room for a schedule's next snapshot under its snapshot limit, and if not, whether the
// schedule's own retention can make that room. Pure: the schedule's decision calls it per VM.
import { pruneCandidates, type Retention } from '../../schedule/index.ts';
import type { OwnedSnapshot } from './decide.ts';

/** What may keep a selected VM's snapshot from being created now. */
export interface VmGate {
  /** status.hold is set: another snapshot or a revert is running on the VM. */
  held: boolean;
  /** The most snapshots the VM may have: spec.maxSnapshots, else its hypervisor's own limit; undefined = none. */
  limit: number | undefined;
  /**
   * Its VMSnapshots (manual and scheduled, any schedule) that exist or may yet exist on the hypervisor: every one
   * but the Failed, and one being deleted until it is gone. Counting Pending ones too makes this never lower
   * than what the VMSnapshot controller will count when the new snapshot starts.
   */
  snapshots: number;
}

export type Room =
  /** Under the limit (or no limit): create. */
  | { kind: 'free' }
  /**
   * At the limit, and this schedule's retention makes room: delete `deletions` (empty when the deletions that
   * make room are already under way), wait until they are gone, then create.
   */
  | { kind: 'pruneFirst'; deletions: string[] }
  /** At the limit and retention cannot make room (other snapshots fill it): the snapshot is not taken. */
  | { kind: 'full'; message: string };

export interface RoomInput {
  vmName: string;
  gate: VmGate | undefined;
  /** This schedule's snapshots of this VM (any phase, including Deleting). */
  own: readonly OwnedSnapshot[];
  /** The snapshot the run would create. */
  next: { name: string; runAt: Date };
  retention: Retention;
  timeZone: string;
  now: Date;
  protectedNames: ReadonlySet<string>;
}

/**
 * At the limit, the snapshots retention would drop once the new one exists (counted as Ready, which is what
 * retention will see after it) are deleted first, so a schedule whose own retention leaves room never fails for
 * the limit. Only snapshots that count toward the limit free room: a Failed one does not (it is deleted all the
 * same, as the next prune would). Creating waits until the deletions are done, because a deletion in progress
 * still holds its place on the hypervisor (vSphere refuses the 33rd level until the old one is gone).
 */
export function roomForNextSnapshot(input: RoomInput): Room {
  const { gate, own, next } = input;
  if (gate === undefined || gate.limit === undefined || gate.snapshots < gate.limit) return { kind: 'free' };
  const needed = gate.snapshots + 1 - gate.limit;
  const going = own.filter((s) => s.phase === 'Deleting').length;
  const hypothetical = [
    ...own.map((s) => ({ name: s.name, time: s.runAt, phase: s.phase })),
    { name: next.name, time: next.runAt, phase: 'Ready' as const },
  ];
  const dropped = pruneCandidates(
    hypothetical,
    input.retention,
    input.timeZone,
    input.now,
    input.protectedNames,
  ).filter((name) => name !== next.name);
  const failed = new Set(own.filter((s) => s.phase === 'Failed').map((s) => s.name));
  const freed = dropped.filter((name) => !failed.has(name)).length;
  if (going + freed >= needed) return { kind: 'pruneFirst', deletions: dropped };
  const others = gate.snapshots - own.filter((s) => s.phase !== 'Failed').length;
  return {
    kind: 'full',
    message:
      `VirtualMachine "${input.vmName}" is at its snapshot limit (${gate.snapshots} of ${gate.limit}, ` +
      `${others} not taken by this schedule) and this schedule's retention frees only ${going + freed}: ` +
      'its snapshot is not taken; delete other snapshots of the VM or raise its spec.maxSnapshots',
  };
}
