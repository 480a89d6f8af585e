// Which of a schedule's snapshots to keep: restic's `forget --keep-last/--keep-hourly/...` rule, with the calendar
// read in the schedule's time zone. Only snapshots the schedule took are ever passed in (selected by the
// vmsnap.io/schedule and vmsnap.io/vm labels), one VM at a time: retention counts per VM.
import { type BucketUnit, bucketKey } from './calendar.ts';

/** How many to keep by each rule; 0 turns a rule off. The union of what the rules keep is kept. */
export interface Retention {
  keepLast: number;
  hourly: number;
  daily: number;
  weekly: number;
  monthly: number;
}

/** Phases as VMSnapshot status reports them; undefined before the controller first wrote one. */
export type RetainablePhase = 'Pending' | 'InProgress' | 'Ready' | 'Failed' | 'Deleting' | undefined;

export interface RetainableSnapshot {
  name: string;
  /** The run time the snapshot was taken for (what its buckets are read from). */
  time: Date;
  phase: RetainablePhase;
}

/** Failed snapshots are kept for diagnosis, but only this many (the newest); older ones are pruned. */
export const FAILED_KEPT = 3;

const BUCKET_RULES: readonly [keyof Retention, BucketUnit][] = [
  ['hourly', 'hour'],
  ['daily', 'day'],
  ['weekly', 'week'],
  ['monthly', 'month'],
];

/**
 * The names to keep, newest first:
 * - Ready snapshots by restic's rule. Walking them newest first, each rule with count n left keeps a snapshot
 *   whose bucket (local hour, day, ISO week, month) differs from the last one that rule kept, and counts down;
 *   so it keeps the newest snapshot of each of the n most recent buckets that have one. keepLast keeps the n
 *   newest. A rule that still has count left when the walk ends also keeps the oldest snapshot (restic >= 0.16:
 *   the longest history while the counts are not used up).
 * - The FAILED_KEPT newest Failed snapshots.
 * - Every snapshot not finished yet (Pending, InProgress, no phase) and every one dated after `now` (a clock
 *   ahead of ours): neither is the policy's to judge yet.
 * Deleting snapshots are in neither set: they are already going.
 */
export function selectRetained(
  snapshots: readonly RetainableSnapshot[],
  retention: Retention,
  timeZone: string,
  now: Date,
): string[] {
  const keep = new Set<string>();
  const newestFirst = [...snapshots].sort(newerFirst);
  const current = newestFirst.filter((s) => s.time.getTime() <= now.getTime());
  for (const snapshot of newestFirst) {
    if (snapshot.phase === 'Deleting') continue;
    const unfinished = snapshot.phase !== 'Ready' && snapshot.phase !== 'Failed';
    if (unfinished || snapshot.time.getTime() > now.getTime()) keep.add(snapshot.name);
  }
  const ready = current.filter((s) => s.phase === 'Ready');
  for (const snapshot of ready.slice(0, retention.keepLast)) keep.add(snapshot.name);
  for (const [rule, unit] of BUCKET_RULES) {
    for (const name of keptByBuckets(ready, retention[rule], unit, timeZone)) keep.add(name);
  }
  const failed = current.filter((s) => s.phase === 'Failed');
  for (const snapshot of failed.slice(0, FAILED_KEPT)) keep.add(snapshot.name);
  return newestFirst.filter((s) => keep.has(s.name)).map((s) => s.name);
}

/** restic's walk for one rule over snapshots sorted newest first. */
function keptByBuckets(
  newestFirst: readonly RetainableSnapshot[],
  count: number,
  unit: BucketUnit,
  timeZone: string,
): string[] {
  const kept: string[] = [];
  let left = count;
  let lastBucket: string | undefined;
  newestFirst.forEach((snapshot, index) => {
    if (left <= 0) return;
    const bucket = bucketKey(snapshot.time, unit, timeZone);
    const oldest = index === newestFirst.length - 1;
    if (bucket !== lastBucket || oldest) {
      kept.push(snapshot.name);
      lastBucket = bucket;
      left -= 1;
    }
  });
  return kept;
}

/**
 * The snapshots to delete: every one `selectRetained` does not keep, except those in `protectedNames` (snapshots
 * a VMRevert in progress refers to: deleting one would pull the floor from under the revert) and those already
 * Deleting. Newest first.
 */
export function pruneCandidates(
  snapshots: readonly RetainableSnapshot[],
  retention: Retention,
  timeZone: string,
  now: Date,
  protectedNames: ReadonlySet<string> = new Set(),
): string[] {
  const keep = new Set(selectRetained(snapshots, retention, timeZone, now));
  return [...snapshots]
    .sort(newerFirst)
    .filter((s) => s.phase !== 'Deleting' && !keep.has(s.name) && !protectedNames.has(s.name))
    .map((s) => s.name);
}

/** Newest first; equal times by name, so the order (and what is kept) never depends on list order. */
function newerFirst(a: RetainableSnapshot, b: RetainableSnapshot): number {
  return b.time.getTime() - a.time.getTime() || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
