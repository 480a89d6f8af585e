// The whole of a VMSnapshotSchedule reconcile as a pure function of what was read: which runs are due, which
// snapshots to create and delete, and the status to write. reconciler.ts reads and acts; this decides.
import { Reason } from '../../api/conditions.ts';
import type { VMSnapshotSchedule, VMSnapshotScheduleStatusWire } from '../../api/vm-snapshot-schedule.ts';
import { type Condition, type ReadyState, readyConditions, setConditions } from '../../runtime/conditions.ts';
import {
  dueRun,
  mayStartRun,
  nextRunAfter,
  pruneCandidates,
  type RetainablePhase,
  type RunSchedule,
  scheduledSnapshotName,
  spreadOffsetMs,
} from '../../schedule/index.ts';

/** A VMSnapshot this schedule took (it carries the schedule's label), as retention and Forbid need it. */
export interface OwnedSnapshot {
  name: string;
  vmName: string;
  /** The run it was taken for (its vmsnap.io/scheduled-at annotation). */
  runAt: Date;
  phase: RetainablePhase;
}

export interface ScheduleWorld {
  schedule: VMSnapshotSchedule;
  /** metadata.creationTimestamp: where the first run is counted from. */
  createdAt: Date;
  /** The VMs the schedule selects now, by name. */
  vmNames: readonly string[];
  owned: readonly OwnedSnapshot[];
  /** Snapshots a VMRevert in progress refers to: never pruned. */
  protectedNames: ReadonlySet<string>;
  now: Date;
}

export interface SnapshotToCreate {
  name: string;
  vmName: string;
  runAt: Date;
}

export type ScheduleStatus = VMSnapshotScheduleStatusWire & { conditions: Condition[] };

export interface ScheduleDecision {
  status: ScheduleStatus;
  create: SnapshotToCreate[];
  delete: string[];
  /** When to look again (the next run, or the next VM's slot in the spread window). */
  requeueAfterMs: number | undefined;
}

const UNFINISHED: ReadonlySet<RetainablePhase> = new Set(['Pending', 'InProgress', undefined]);

/**
 * Contract: idempotent and crash-safe. Run times come from the stored status; snapshot names are a function of
 * (schedule, VM, run), so deciding again after a crash at any point gives the same creations (AlreadyExists for
 * those done) and never a second snapshot of one run. Missed runs are counted once: status.nextScheduleTime marks
 * how far runs have been dealt with, and the reconciler writes status guarded by resourceVersion.
 *
 * A run stays open until the next run comes due: VMs whose spread slot has not come yet, VMs added to the selector,
 * and creations lost to a crash after the status write are all taken within it.
 */
export function decideSchedule(world: ScheduleWorld): ScheduleDecision {
  const { schedule, now } = world;
  const spec = schedule.spec;
  const status = copyStatus(schedule);
  const generation = schedule.identity.generation;
  const setState = (state: ReadyState, reason: string, message: string) =>
    setConditions(
      status.conditions,
      readyConditions(state, { reason, message, observedGeneration: generation }),
      now,
    );

  if (spec.suspend) {
    // nextScheduleTime stays: on resume, runs from it on are counted (missed) or taken, none twice.
    setState('Ready', Reason.Suspended, 'suspended: no snapshots are taken or pruned');
    return { status, create: [], delete: [], requeueAfterMs: undefined };
  }

  const run: RunSchedule = { cron: spec.schedule, timeZone: spec.timeZone };
  const lastTaken = parseTime(status.lastScheduleTime);
  const due = dueRun({
    schedule: run,
    now,
    lastScheduleTime: dealtWithThrough(status, lastTaken),
    createdAt: world.createdAt,
    startingDeadlineSeconds: spec.startingDeadlineSeconds,
  });
  status.missedRuns = (status.missedRuns ?? 0) + due.missed;

  let openRun = lastTaken;
  let waiting = false;
  if (due.runAt !== undefined) {
    const runAt = due.runAt;
    const unfinished = world.owned.filter((s) => UNFINISHED.has(s.phase) && s.runAt < runAt).length;
    if (mayStartRun(spec.concurrencyPolicy, unfinished)) {
      openRun = runAt;
      status.lastScheduleTime = rfc3339(runAt);
      status.nextScheduleTime = optionalTime(due.nextRunAt);
    } else {
      // Keep the run due: the next reconcile counts from just before it, takes it once the earlier snapshots are
      // done, or counts it missed when the deadline has passed.
      waiting = true;
      status.nextScheduleTime = rfc3339(runAt);
    }
  } else {
    status.nextScheduleTime = optionalTime(due.nextRunAt);
  }

  const create: SnapshotToCreate[] = [];
  let nextSlot: number | undefined;
  if (openRun !== undefined && !waiting && isOpen(run, openRun, now)) {
    const existing = new Set(world.owned.map((s) => s.name));
    for (const vmName of world.vmNames) {
      const name = scheduledSnapshotName(schedule.identity.name, vmName, openRun);
      if (existing.has(name)) continue;
      const slot = openRun.getTime() + spreadOffsetMs(schedule.identity.uid, vmName, spec.spreadMs);
      if (slot <= now.getTime()) create.push({ name, vmName, runAt: openRun });
      else nextSlot = Math.min(nextSlot ?? slot, slot);
    }
  }

  const lastSuccess = latestSuccessfulRun(world.owned, create);
  if (lastSuccess !== undefined && lastSuccess > (parseTime(status.lastSuccessfulTime) ?? new Date(0))) {
    status.lastSuccessfulTime = rfc3339(lastSuccess);
  }

  const toDelete = prune(world);

  if (waiting) {
    setState('InProgress', Reason.WaitingForPreviousRun, "waiting for the previous run's snapshots (Forbid)");
  } else {
    const next = status.nextScheduleTime ?? 'never';
    setState('Ready', Reason.Scheduled, `next run ${next}`);
  }

  const wakeAt = [nextSlot, parseTime(status.nextScheduleTime)?.getTime()].filter((t) => t !== undefined);
  const earliest = wakeAt.length === 0 ? undefined : Math.min(...wakeAt);
  const requeueAfterMs = waiting
    ? WAITING_POLL_MS
    : earliest === undefined
      ? undefined
      : Math.max(earliest - now.getTime(), MIN_REQUEUE_MS);
  return { status, create, delete: toDelete, requeueAfterMs };
}

/** A waiting run is also woken by its snapshots' changes; this is the fallback. */
const WAITING_POLL_MS = 30_000;
/** Never spin: a run time that is "now" is looked at again a moment later. */
const MIN_REQUEUE_MS = 1_000;

/** Runs up to here were taken or counted: just before the stored next run, else the last taken run. */
function dealtWithThrough(status: ScheduleStatus, lastTaken: Date | undefined): Date | undefined {
  const next = parseTime(status.nextScheduleTime);
  const beforeNext = next === undefined ? undefined : new Date(next.getTime() - 1);
  if (beforeNext === undefined) return lastTaken;
  if (lastTaken === undefined) return beforeNext;
  return beforeNext > lastTaken ? beforeNext : lastTaken;
}

/** A taken run stays open until the run after it comes due. */
function isOpen(run: RunSchedule, runAt: Date, now: Date): boolean {
  const following = nextRunAfter(run, runAt);
  return following === undefined || following > now;
}

/** The latest run whose snapshots all exist and are Ready (none still to be created). */
function latestSuccessfulRun(
  owned: readonly OwnedSnapshot[],
  creating: readonly SnapshotToCreate[],
): Date | undefined {
  const incomplete = new Set(creating.map((c) => c.runAt.getTime()));
  const byRun = new Map<number, OwnedSnapshot[]>();
  for (const snapshot of owned) {
    const list = byRun.get(snapshot.runAt.getTime()) ?? [];
    list.push(snapshot);
    byRun.set(snapshot.runAt.getTime(), list);
  }
  let latest: number | undefined;
  for (const [runAt, snapshots] of byRun) {
    if (incomplete.has(runAt) || !snapshots.every((s) => s.phase === 'Ready')) continue;
    latest = Math.max(latest ?? runAt, runAt);
  }
  return latest === undefined ? undefined : new Date(latest);
}

/** Retention per VM over every snapshot this schedule took, selected or not any more. */
function prune(world: ScheduleWorld): string[] {
  const { spec } = world.schedule;
  const byVm = new Map<string, OwnedSnapshot[]>();
  for (const snapshot of world.owned) {
    const list = byVm.get(snapshot.vmName) ?? [];
    list.push(snapshot);
    byVm.set(snapshot.vmName, list);
  }
  const doomed: string[] = [];
  for (const snapshots of byVm.values()) {
    const retainable = snapshots.map((s) => ({ name: s.name, time: s.runAt, phase: s.phase }));
    doomed.push(
      ...pruneCandidates(retainable, spec.retention, spec.timeZone, world.now, world.protectedNames),
    );
  }
  return doomed.sort();
}

function copyStatus(schedule: VMSnapshotSchedule): ScheduleStatus {
  return {
    ...schedule.status,
    observedGeneration: schedule.identity.generation,
    conditions: schedule.status.conditions.map((c) => ({ ...c })),
  };
}

function parseTime(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

function optionalTime(date: Date | undefined): string | undefined {
  return date === undefined ? undefined : rfc3339(date);
}

/** RFC 3339 in whole seconds, as Kubernetes writes times (cron runs are whole minutes). */
export function rfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
