// Which run a schedule owes right now, with Kubernetes CronJob's missed-run rules: of the runs that came due since
// the last one dealt with, only the most recent is taken, and only if it is not later than startingDeadlineSeconds;
// older ones are counted as missed, never taken (a controller that was down for a day takes one snapshot, not 24).
import { latestRunAtOrBefore, nextRunAfter, type RunSchedule, runsBetween } from './cron.ts';

/**
 * Missed runs are counted up to this many per call; beyond it the count saturates. Each run costs croner ~0.1 ms,
 * so this bounds a reconcile after a long outage of a per-minute schedule to ~0.1 s.
 */
export const MISSED_RUNS_COUNT_CAP = 1000;

export interface DueRunInput {
  schedule: RunSchedule;
  /** The injected clock's time. */
  now: Date;
  /**
   * The latest run already dealt with (taken, or counted as missed); runs after it are looked at. undefined before
   * the first run; then `createdAt` is the anchor, as CronJob anchors on creationTimestamp. The schedule controller
   * passes the later of status.lastScheduleTime (the latest run taken) and just before status.nextScheduleTime.
   */
  lastScheduleTime: Date | undefined;
  /** When the schedule object was created (metadata.creationTimestamp). */
  createdAt: Date;
  /** undefined: no deadline, a late run is always taken (however late). */
  startingDeadlineSeconds: number | undefined;
}

export interface DueRun {
  /** The run to take now (its scheduled time, which names its snapshots), or undefined if none is owed. */
  runAt: Date | undefined;
  /** Runs that came due since the anchor and will never be taken (older ones, and the latest if too late). */
  missed: number;
  /**
   * The latest run dealt with once this result is acted on (taken or counted as missed): the next call's
   * `lastScheduleTime`. Equal to the input when nothing came due.
   */
  latestDealtWith: Date | undefined;
  /** The first run after `now`: status.nextScheduleTime and when to requeue. undefined if it never runs again. */
  nextRunAt: Date | undefined;
}

/**
 * Pure and idempotent: the same input always gives the same answer, so a controller that crashes after taking
 * the run but before recording it computes the same `runAt` again, and the run's deterministic
 * snapshot names (scheduledSnapshotName) make the second attempt find the first one's objects.
 */
export function dueRun(input: DueRunInput): DueRun {
  const { schedule, now, lastScheduleTime, createdAt, startingDeadlineSeconds } = input;
  const anchor = lastScheduleTime ?? createdAt;
  const nextRunAt = nextRunAfter(schedule, now);
  const latest = latestRunAtOrBefore(schedule, now);
  if (latest === undefined || latest.getTime() <= anchor.getTime()) {
    return { runAt: undefined, missed: 0, latestDealtWith: lastScheduleTime, nextRunAt };
  }
  const beforeLatest = new Date(latest.getTime() - 1);
  const older = runsBetween(schedule, anchor, beforeLatest, MISSED_RUNS_COUNT_CAP).runs.length;
  const tooLate =
    startingDeadlineSeconds !== undefined &&
    now.getTime() - latest.getTime() > startingDeadlineSeconds * 1000;
  if (tooLate) {
    return {
      runAt: undefined,
      missed: Math.min(older + 1, MISSED_RUNS_COUNT_CAP),
      latestDealtWith: latest,
      nextRunAt,
    };
  }
  return { runAt: latest, missed: older, latestDealtWith: latest, nextRunAt };
}
