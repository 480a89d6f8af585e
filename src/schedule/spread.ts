// Spreading a run's snapshots over a window, so a schedule over fifty VMs on one host does not start fifty
// snapshots in the same second. The offset is a hash, not a random number: every reconcile of the same run
// computes the same start time for a VM, and a VM keeps its slot from run to run.
import { createHash } from 'node:crypto';

/** 2^48: the hash prefix read as an integer stays exact in a double. */
const HASH_RANGE = 2 ** 48;

/**
 * Milliseconds after the run time at which `vmName`'s snapshot starts, in [0, spreadMs); 0 when there is no
 * window. Keyed by the schedule's UID so two schedules over the same VMs do not pick the same slots.
 */
export function spreadOffsetMs(scheduleUid: string, vmName: string, spreadMs: number): number {
  if (!(spreadMs > 0)) return 0;
  const digest = createHash('sha256').update(`${scheduleUid}\0${vmName}`).digest();
  const fraction = digest.readUIntBE(0, 6) / HASH_RANGE;
  return Math.min(Math.floor(fraction * spreadMs), Math.ceil(spreadMs) - 1);
}
