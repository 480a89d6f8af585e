// The schedule controller's decision (pure): runs taken once per VM across spread, crashes and stale reads;
// Forbid; suspend; retention per VM with protected snapshots. Driven by an injected clock.
import { describe, expect, it } from 'vitest';
import { parseVMSnapshotSchedule, type VMSnapshotSchedule } from '../../src/api/index.ts';
import {
  decideSchedule,
  type OwnedSnapshot,
  type ScheduleDecision,
} from '../../src/controllers/vmsnapshotschedule/decide.ts';
import { scheduledSnapshotName, spreadOffsetMs } from '../../src/schedule/index.ts';
import { FakeClock, HOUR, MINUTE } from './support/fake-clock.ts';

const CREATED = new Date(Date.UTC(2026, 2, 1, 8, 17));
const UID = 'uid-7';

function schedule(spec: Record<string, unknown>, status: Record<string, unknown> = {}): VMSnapshotSchedule {
  const parsed = parseVMSnapshotSchedule({
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'VMSnapshotSchedule',
    metadata: { name: 'hourly', namespace: 'prod', uid: UID, generation: 2 },
    spec: { schedule: '@hourly', vmNames: ['web-1'], retention: { keepLast: 100 }, ...spec },
    status,
  });
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

/** A schedule controller with a store of snapshots: applies each decision as the reconciler would. */
class Harness {
  readonly clock = new FakeClock(CREATED);
  status: Record<string, unknown> = {};
  readonly store = new Map<string, OwnedSnapshot>();
  readonly everCreated: string[] = [];
  protectedNames = new Set<string>();
  spec: Record<string, unknown>;
  vmNames: string[];

  constructor(spec: Record<string, unknown>, vmNames: string[]) {
    this.spec = spec;
    this.vmNames = vmNames;
  }

  decide(): ScheduleDecision {
    return decideSchedule({
      schedule: schedule(this.spec, this.status),
      createdAt: CREATED,
      vmNames: this.vmNames,
      owned: [...this.store.values()],
      protectedNames: this.protectedNames,
      now: this.clock.now(),
    });
  }

  /** One reconcile: status written, snapshots created (their controller finishes them later), pruned ones deleted. */
  reconcile(): ScheduleDecision {
    const decision = this.decide();
    this.status = JSON.parse(JSON.stringify(decision.status));
    for (const c of decision.create) {
      expect(this.store.has(c.name), `${c.name} created twice`).toBe(false);
      this.store.set(c.name, { name: c.name, vmName: c.vmName, runAt: c.runAt, phase: 'InProgress' });
      this.everCreated.push(c.name);
    }
    for (const name of decision.delete) this.store.delete(name);
    return decision;
  }

  finishAll(phase: 'Ready' | 'Failed' = 'Ready') {
    for (const snapshot of this.store.values()) if (snapshot.phase === 'InProgress') snapshot.phase = phase;
  }
}

const FIRST_RUN = new Date(Math.ceil(CREATED.getTime() / HOUR) * HOUR);

describe('decideSchedule', () => {
  it('spreads a run over the window: each VM once, at or after its slot, named for the run', () => {
    const vms = Array.from({ length: 12 }, (_, i) => `vm-${i}`);
    const harness = new Harness({ spread: '2m' }, vms);
    const createdAt = new Map<string, number>();
    harness.clock.set(FIRST_RUN);
    for (let step = 0; step < 30; step++) {
      const decision = harness.reconcile();
      for (const c of decision.create) createdAt.set(c.vmName, harness.clock.now().getTime());
      // The controller comes back when asked (or sooner, on a watch event).
      harness.clock.advance(Math.min(decision.requeueAfterMs ?? HOUR, 7_000));
    }
    expect([...createdAt.keys()].sort()).toEqual([...vms].sort());
    for (const vm of vms) {
      const slot = FIRST_RUN.getTime() + spreadOffsetMs(UID, vm, 2 * MINUTE);
      expect(createdAt.get(vm)).toBeGreaterThanOrEqual(slot);
      expect(createdAt.get(vm)).toBeLessThan(slot + 7_000 + 1);
      expect(harness.store.has(scheduledSnapshotName('hourly', vm, FIRST_RUN))).toBe(true);
    }
    expect(harness.status.lastScheduleTime).toBe(FIRST_RUN.toISOString().replace('.000', ''));
  });

  it('a crash after the status write: the next reconcile creates the run it recorded', () => {
    const harness = new Harness({}, ['web-1', 'web-2']);
    harness.clock.set(new Date(FIRST_RUN.getTime() + 5_000));
    const first = harness.decide();
    expect(first.create).toHaveLength(2);
    // Crash: status written, snapshots not created.
    harness.status = JSON.parse(JSON.stringify(first.status));
    harness.clock.advance(20 * MINUTE);
    const second = harness.reconcile();
    expect(second.create.map((c) => c.name)).toEqual(first.create.map((c) => c.name));
    expect(harness.reconcile().create).toEqual([]);
  });

  it('a stale read (status not yet written) decides the same run again: same names, no double count', () => {
    const harness = new Harness({}, ['web-1']);
    harness.clock.set(new Date(FIRST_RUN.getTime() + 3 * HOUR + 5_000));
    const stale = harness.status;
    const first = harness.reconcile();
    expect(first.status.missedRuns).toBe(3);
    const again = decideSchedule({
      schedule: schedule({}, stale),
      createdAt: CREATED,
      vmNames: ['web-1'],
      owned: [],
      protectedNames: new Set(),
      now: harness.clock.now(),
    });
    expect(again.create.map((c) => c.name)).toEqual(first.create.map((c) => c.name));
    // The reconciler's guarded status write rejects the stale one; from the written status nothing is counted again.
    expect(harness.reconcile().status.missedRuns).toBe(3);
  });

  it('Forbid: a run waits while earlier snapshots are unfinished, then is taken within the deadline', () => {
    const harness = new Harness({ startingDeadlineSeconds: 600 }, ['web-1']);
    harness.clock.set(new Date(FIRST_RUN.getTime() + 1_000));
    harness.reconcile();
    harness.clock.set(new Date(FIRST_RUN.getTime() + HOUR + 1_000));
    const waiting = harness.reconcile();
    expect(waiting.create).toEqual([]);
    expect(waiting.status.nextScheduleTime).toBe(
      new Date(FIRST_RUN.getTime() + HOUR).toISOString().replace('.000', ''),
    );
    expect(waiting.status.conditions.find((c) => c.type === 'Reconciling')).toMatchObject({
      status: 'True',
      reason: 'WaitingForPreviousRun',
    });
    harness.finishAll();
    harness.clock.advance(4 * MINUTE);
    const taken = harness.reconcile();
    expect(taken.create.map((c) => c.runAt)).toEqual([new Date(FIRST_RUN.getTime() + HOUR)]);
    expect(taken.status.missedRuns).toBe(0);
  });

  it('Forbid past the deadline: the waiting run is missed and counted once', () => {
    const harness = new Harness({ startingDeadlineSeconds: 600 }, ['web-1']);
    harness.clock.set(new Date(FIRST_RUN.getTime() + 1_000));
    harness.reconcile();
    harness.clock.set(new Date(FIRST_RUN.getTime() + HOUR + 1_000));
    harness.reconcile();
    harness.clock.advance(15 * MINUTE);
    harness.finishAll();
    const late = harness.reconcile();
    expect(late.create).toEqual([]);
    expect(late.status.missedRuns).toBe(1);
    expect(harness.reconcile().status.missedRuns).toBe(1);
    harness.clock.set(new Date(FIRST_RUN.getTime() + 2 * HOUR + 1_000));
    expect(harness.reconcile().create).toHaveLength(1);
  });

  it('Allow: runs start while earlier ones are unfinished', () => {
    const harness = new Harness({ concurrencyPolicy: 'Allow' }, ['web-1']);
    for (let hour = 0; hour < 3; hour++) {
      harness.clock.set(new Date(FIRST_RUN.getTime() + hour * HOUR + 1_000));
      expect(harness.reconcile().create).toHaveLength(1);
    }
  });

  it('suspended: takes and prunes nothing; on resume only the latest run is taken, the rest counted', () => {
    const harness = new Harness({ retention: { keepLast: 1 } }, ['web-1']);
    harness.clock.set(new Date(FIRST_RUN.getTime() + 1_000));
    harness.reconcile();
    harness.finishAll();
    harness.spec = { ...harness.spec, suspend: true, retention: { keepLast: 1 } };
    harness.clock.set(new Date(FIRST_RUN.getTime() + 5 * HOUR + 1_000));
    const suspended = harness.reconcile();
    expect(suspended.create).toEqual([]);
    expect(suspended.delete).toEqual([]);
    expect(suspended.status.conditions.find((c) => c.type === 'Ready')).toMatchObject({
      reason: 'Suspended',
    });
    harness.spec = { ...harness.spec, suspend: false };
    const resumed = harness.reconcile();
    expect(resumed.create.map((c) => c.runAt)).toEqual([new Date(FIRST_RUN.getTime() + 5 * HOUR)]);
    expect(resumed.status.missedRuns).toBe(4);
  });

  it('retention per VM: keepLast of each VM, protected ones kept, lastSuccessfulTime follows Ready runs', () => {
    const harness = new Harness({ retention: { keepLast: 2 } }, ['web-1', 'web-2']);
    for (let hour = 0; hour < 5; hour++) {
      harness.clock.set(new Date(FIRST_RUN.getTime() + hour * HOUR + 1_000));
      if (hour === 1) harness.protectedNames = new Set([scheduledSnapshotName('hourly', 'web-1', FIRST_RUN)]);
      harness.reconcile();
      harness.finishAll();
    }
    const last = harness.reconcile();
    const kept = [...harness.store.values()];
    const perVm = (vm: string) =>
      kept.filter((s) => s.vmName === vm).map((s) => s.runAt.getTime() - FIRST_RUN.getTime());
    expect(perVm('web-1').sort()).toEqual([0, 3 * HOUR, 4 * HOUR]);
    expect(perVm('web-2').sort()).toEqual([3 * HOUR, 4 * HOUR]);
    expect(last.status.lastSuccessfulTime).toBe(
      new Date(FIRST_RUN.getTime() + 4 * HOUR).toISOString().replace('.000', ''),
    );
    expect(harness.everCreated).toHaveLength(10);
  });

  it('a week of hourly runs over VMs that come and go: every (run, VM) taken at most once, none lost while selected', () => {
    const harness = new Harness({ spread: '10m', retention: { hourly: 6, daily: 2 } }, ['a', 'b']);
    harness.clock.set(FIRST_RUN);
    const end = FIRST_RUN.getTime() + 7 * 24 * HOUR;
    let reconciles = 0;
    while (harness.clock.now().getTime() < end) {
      const hoursIn = Math.floor((harness.clock.now().getTime() - FIRST_RUN.getTime()) / HOUR);
      harness.vmNames = hoursIn % 48 < 24 ? ['a', 'b'] : ['a', 'b', 'c'];
      const decision = harness.reconcile();
      harness.finishAll();
      reconciles += 1;
      // Back exactly when it asked to be: the next VM's slot or the next run.
      harness.clock.advance(decision.requeueAfterMs ?? HOUR);
    }
    expect(new Set(harness.everCreated).size).toBe(harness.everCreated.length);
    const runs = 7 * 24;
    const ofVm = (vm: string) =>
      harness.everCreated.filter((name) => name.startsWith(`hourly-${vm}-`)).length;
    expect(ofVm('a')).toBe(runs);
    expect(ofVm('b')).toBe(runs);
    let runsWithC = 0;
    for (let hour = 0; hour < runs; hour++) if (hour % 48 >= 24) runsWithC += 1;
    expect(ofVm('c')).toBe(runsWithC);
    expect(harness.status.missedRuns).toBe(0);
    // One reconcile per VM slot and run at most, plus the run itself.
    expect(reconciles).toBeLessThanOrEqual(runs * 4 + 1);
  });
});
