// spec.concurrencyPolicy, as CronJob defines it.
export const CONCURRENCY_POLICIES = ['Forbid', 'Allow'] as const;
export type ConcurrencyPolicy = (typeof CONCURRENCY_POLICIES)[number];

/**
 * Whether a due run may start while `unfinished` snapshots of this schedule's earlier runs are still Pending or
 * InProgress. Forbid: no; the run waits, and is taken once they finish if it is still within
 * startingDeadlineSeconds (otherwise it becomes a missed run), exactly like a CronJob whose previous Job is
 * still active. Allow: always.
 */
export function mayStartRun(policy: ConcurrencyPolicy, unfinished: number): boolean {
  return policy === 'Allow' || unfinished === 0;
}
