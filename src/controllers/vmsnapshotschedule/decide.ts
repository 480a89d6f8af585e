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
import { roomForNextSnapshot, type VmGate } from './room.ts';

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
  /**
   * Per selected VM, whether it is held and how close it is to its snapshot limit. A VM missing here (or the whole
   * map missing, as in tests that model neither) is not held and has no limit.
   */
  vmGates?: ReadonlyMap<string, VmGate>;
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

/** Something a user should hear about a run (an Event on the schedule). */
export interface ScheduleNotice {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface ScheduleDecision {
  status: ScheduleStatus;
  create: SnapshotToCreate[];
  delete: string[];
  notices: ScheduleNotice[];
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
    return { status, create: [], delete: [], notices: [], requeueAfterMs: undefined };
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

  const byVm = groupByVm(world.owned);
  const plan: RunPlan =
    openRun !== undefined && !waiting && isOpen(run, openRun, now)
      ? planRun(world, byVm, openRun)
      : { create: [], delete: [], notices: [], pending: false, wakeAt: undefined };

  const lastSuccess = latestSuccessfulRun(
    world.owned,
    (plan.pending || plan.create.length > 0) && openRun !== undefined ? [openRun] : [],
  );
  if (lastSuccess !== undefined && lastSuccess > (parseTime(status.lastSuccessfulTime) ?? new Date(0))) {
    status.lastSuccessfulTime = rfc3339(lastSuccess);
  }

  const toDelete = [...new Set([...prune(world, byVm), ...plan.delete])].sort();
  const full = vmsWithoutRoom(world, byVm);

  if (waiting) {
    setState('InProgress', Reason.WaitingForPreviousRun, "waiting for the previous run's snapshots (Forbid)");
  } else if (world.vmNames.length === 0) {
    setState('Stalled', Reason.NoVMsSelected, nothingSelectedMessage(world.schedule));
  } else if (full.length > 0) {
    setState('Stalled', Reason.SnapshotLimitReached, listed(full));
  } else {
    const next = status.nextScheduleTime ?? 'never';
    setState('Ready', Reason.Scheduled, `next run ${next}`);
  }

  const wakeAt = [plan.wakeAt, parseTime(status.nextScheduleTime)?.getTime()].filter((t) => t !== undefined);
  const earliest = wakeAt.length === 0 ? undefined : Math.min(...wakeAt);
  const requeueAfterMs = waiting
    ? WAITING_POLL_MS
    : earliest === undefined
      ? undefined
      : Math.min(Math.max(earliest - now.getTime(), MIN_REQUEUE_MS), MAX_REQUEUE_MS);
  return { status, create: plan.create, delete: toDelete, notices: plan.notices, requeueAfterMs };
}

interface RunPlan {
  create: SnapshotToCreate[];
  /** Deleted first, to make room under a VM's snapshot limit. */
  delete: string[];
  notices: ScheduleNotice[];
  /** Some VM's snapshot of this run may still be created (spread slot to come, VM held, waiting for room). */
  pending: boolean;
  /** When to look at the run again (epoch ms), besides the watch events that wake it. */
  wakeAt: number | undefined;
}

/**
 * The open run's snapshots still to create, VM by VM. A VM's snapshot starts at its spread slot; it waits while
 * the VM is held (the VM's change wakes the schedule) and while deletions make room under its limit. With
 * startingDeadlineSeconds, a VM not started within that long after its slot is skipped for this run, as a
 * CronJob skips a run it could not start in time: a held VM is snapshotted when the hold is released only if
 * that is still within the deadline.
 */
function planRun(world: ScheduleWorld, byVm: ReadonlyMap<string, OwnedSnapshot[]>, runAt: Date): RunPlan {
  const { schedule, now } = world;
  const { spec } = schedule;
  const plan: RunPlan = { create: [], delete: [], notices: [], pending: false, wakeAt: undefined };
  const wake = (at: number) => {
    plan.wakeAt = Math.min(plan.wakeAt ?? at, at);
  };
  const existing = new Set(world.owned.map((s) => s.name));
  const deadlineMs =
    spec.startingDeadlineSeconds === undefined ? undefined : spec.startingDeadlineSeconds * 1000;
  const runText = rfc3339(runAt);
  for (const vmName of world.vmNames) {
    const name = scheduledSnapshotName(schedule.identity.name, vmName, runAt);
    if (existing.has(name)) continue;
    const slot = runAt.getTime() + spreadOffsetMs(schedule.identity.uid, vmName, spec.spreadMs);
    if (slot > now.getTime()) {
      plan.pending = true;
      wake(slot);
      continue;
    }
    const gate = world.vmGates?.get(vmName);
    if (deadlineMs !== undefined && now.getTime() - slot > deadlineMs) {
      const why = gate?.held ? 'it is held by another operation' : 'it could not be started in time';
      plan.notices.push({
        type: 'Warning',
        reason: Reason.StartingDeadlineExceeded,
        message: `run ${runText}: VirtualMachine "${vmName}" not snapshotted: ${why} (startingDeadlineSeconds ${spec.startingDeadlineSeconds})`,
      });
      continue;
    }
    if (gate?.held) {
      plan.pending = true;
      // The hold's release wakes the schedule (a VM change); the deadline needs a wake-up of its own.
      wake(Math.min(now.getTime() + WAITING_POLL_MS, slot + (deadlineMs ?? WAITING_POLL_MS) + 1));
      continue;
    }
    const room = roomForNextSnapshot({
      vmName,
      gate,
      own: byVm.get(vmName) ?? [],
      next: { name, runAt },
      retention: spec.retention,
      timeZone: spec.timeZone,
      now,
      protectedNames: world.protectedNames,
    });
    if (room.kind === 'free') {
      plan.create.push({ name, vmName, runAt });
      continue;
    }
    // Both wait on deletions, which wake no schedule when they are of snapshots it did not take: poll.
    wake(now.getTime() + WAITING_POLL_MS);
    if (room.kind === 'pruneFirst') {
      plan.pending = true;
      plan.delete.push(...room.deletions);
      if (room.deletions.length > 0) {
        plan.notices.push({
          type: 'Normal',
          reason: Reason.PruningForLimit,
          message: `run ${runText}: VirtualMachine "${vmName}" is at its snapshot limit; deleting ${room.deletions.join(', ')} (retention) before taking its snapshot`,
        });
      }
    } else {
      plan.notices.push({
        type: 'Warning',
        reason: Reason.SnapshotLimitReached,
        message: `run ${runText}: ${room.message}`,
      });
    }
  }
  return plan;
}

/**
 * The selected VMs at their limit whose next snapshot this schedule's retention cannot make room for, as
 * messages: the schedule is Stalled for them until someone deletes snapshots or raises the limit. Looked at on
 * every reconcile, not only while a run is open, so the condition holds between runs instead of flapping.
 */
function vmsWithoutRoom(world: ScheduleWorld, byVm: ReadonlyMap<string, OwnedSnapshot[]>): string[] {
  const { spec } = world.schedule;
  const messages: string[] = [];
  for (const vmName of world.vmNames) {
    const gate = world.vmGates?.get(vmName);
    if (gate?.limit === undefined || gate.snapshots < gate.limit) continue;
    const room = roomForNextSnapshot({
      vmName,
      gate,
      own: byVm.get(vmName) ?? [],
      next: { name: '', runAt: world.now },
      retention: spec.retention,
      timeZone: spec.timeZone,
      now: world.now,
      protectedNames: world.protectedNames,
    });
    if (room.kind === 'full') messages.push(room.message);
  }
  return messages;
}

/** Conditions are read by people: the first few VMs, and how many more. */
const LISTED_IN_CONDITION = 5;

function listed(messages: readonly string[]): string {
  const shown = messages.slice(0, LISTED_IN_CONDITION).join('; ');
  const more = messages.length - LISTED_IN_CONDITION;
  return more > 0 ? `${shown}; and ${more} more VirtualMachines` : shown;
}

function nothingSelectedMessage(schedule: VMSnapshotSchedule): string {
  const { identity, spec } = schedule;
  if (spec.target.by === 'names') {
    return `spec.vmNames: none of ${spec.target.vmNames.join(', ')} is a VirtualMachine in namespace "${identity.namespace}"`;
  }
  return `spec.selector matches no VirtualMachine in namespace "${identity.namespace}"`;
}

/** A waiting run is also woken by its snapshots' changes; this is the fallback. */
const WAITING_POLL_MS = 30_000;
/** Never spin: a run time that is "now" is looked at again a moment later. */
const MIN_REQUEUE_MS = 1_000;
/**
 * Node's timers take at most 2^31-1 ms (24.8 days) and fire after 1 ms when given more, so a monthly or yearly
 * schedule requeued for its next run would reconcile in a tight loop. A day is far below that; waking early only
 * recomputes the same requeue.
 */
export const MAX_REQUEUE_MS = 24 * 60 * 60 * 1_000;

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
  pendingRuns: readonly Date[],
): Date | undefined {
  const incomplete = new Set(pendingRuns.map((runAt) => runAt.getTime()));
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

/** The schedule's snapshots grouped by VM: retention and limits are per VM. */
function groupByVm(owned: readonly OwnedSnapshot[]): Map<string, OwnedSnapshot[]> {
  const byVm = new Map<string, OwnedSnapshot[]>();
  for (const snapshot of owned) {
    const list = byVm.get(snapshot.vmName) ?? [];
    list.push(snapshot);
    byVm.set(snapshot.vmName, list);
  }
  return byVm;
}

/** Retention per VM over every snapshot this schedule took, selected or not any more. */
function prune(world: ScheduleWorld, byVm: ReadonlyMap<string, OwnedSnapshot[]>): string[] {
  const { spec } = world.schedule;
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
