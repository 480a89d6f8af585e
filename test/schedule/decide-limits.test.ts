// The schedule's decision where a VM cannot simply take the run's snapshot: at its snapshot limit (retention
// makes room first, or the schedule says it cannot), held by another operation (taken on release within
// startingDeadlineSeconds), or nothing selected at all. Pure, with an injected clock; deletions take time here, as
// they do on a real hypervisor.
import { describe, expect, it } from 'vitest';
import { parseVMSnapshotSchedule } from '../../src/api/index.ts';
import {
  decideSchedule,
  type OwnedSnapshot,
  type ScheduleDecision,
} from '../../src/controllers/vmsnapshotschedule/decide.ts';
import type { VmGate } from '../../src/controllers/vmsnapshotschedule/room.ts';
import { scheduledSnapshotName } from '../../src/schedule/index.ts';
import { FakeClock, HOUR, MINUTE } from './support/fake-clock.ts';

const CREATED = new Date(Date.UTC(2026, 2, 1, 8, 17));
const FIRST_RUN = new Date(Math.ceil(CREATED.getTime() / HOUR) * HOUR);

/**
 * A schedule and the world around it: its snapshots (created InProgress, finished by the test; deleted ones go
 * through Deleting until `finishDeletions`), manual snapshots per VM, limits and holds.
 */
class World {
  readonly clock = new FakeClock(CREATED);
  status: Record<string, unknown> = {};
  readonly store = new Map<string, OwnedSnapshot>();
  readonly manual = new Map<string, number>();
  readonly limits = new Map<string, number>();
  readonly held = new Set<string>();
  spec: Record<string, unknown>;
  vmNames: string[];
  /** The most snapshots (manual + this schedule's, Deleting included) any VM ever had at once. */
  readonly peak = new Map<string, number>();

  constructor(spec: Record<string, unknown>, vmNames: string[]) {
    this.spec = spec;
    this.vmNames = vmNames;
  }

  countOf(vm: string): number {
    const own = [...this.store.values()].filter((s) => s.vmName === vm && s.phase !== 'Failed').length;
    return own + (this.manual.get(vm) ?? 0);
  }

  reconcile(): ScheduleDecision {
    const parsed = parseVMSnapshotSchedule({
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VMSnapshotSchedule',
      metadata: { name: 'nightly', namespace: 'prod', uid: 'uid-9', generation: 1 },
      spec: { schedule: '@hourly', selector: {}, ...this.spec },
      status: this.status,
    });
    if (!parsed.ok) throw parsed.error;
    const gates = new Map<string, VmGate>(
      this.vmNames.map((vm) => [
        vm,
        { held: this.held.has(vm), limit: this.limits.get(vm), snapshots: this.countOf(vm) },
      ]),
    );
    const decision = decideSchedule({
      schedule: parsed.value,
      createdAt: CREATED,
      vmNames: this.vmNames,
      vmGates: gates,
      owned: [...this.store.values()],
      protectedNames: new Set(),
      now: this.clock.now(),
    });
    this.status = JSON.parse(JSON.stringify(decision.status));
    for (const name of decision.delete) {
      const doomed = this.store.get(name);
      if (doomed) doomed.phase = 'Deleting';
    }
    for (const c of decision.create) {
      expect(this.store.has(c.name), `${c.name} created twice`).toBe(false);
      this.store.set(c.name, { name: c.name, vmName: c.vmName, runAt: c.runAt, phase: 'InProgress' });
    }
    for (const vm of this.vmNames) this.peak.set(vm, Math.max(this.peak.get(vm) ?? 0, this.countOf(vm)));
    return decision;
  }

  finishAll() {
    for (const s of this.store.values()) if (s.phase === 'InProgress') s.phase = 'Ready';
  }

  finishDeletions() {
    for (const [name, s] of this.store) if (s.phase === 'Deleting') this.store.delete(name);
  }

  ownOf(vm: string): OwnedSnapshot[] {
    return [...this.store.values()].filter((s) => s.vmName === vm);
  }

  condition(type: string) {
    return (
      this.status.conditions as { type: string; status: string; reason: string; message: string }[]
    ).find((c) => c.type === type);
  }
}

function at(hours: number, extraMs = 1_000): Date {
  return new Date(FIRST_RUN.getTime() + hours * HOUR + extraMs);
}

describe('a schedule and the VM snapshot limit', () => {
  it('at the limit, deletes what retention would drop, waits for the deletion, then takes the run', () => {
    const world = new World({ retention: { keepLast: 2 } }, ['db-1']);
    world.limits.set('db-1', 2);
    for (const hour of [0, 1]) {
      world.clock.set(at(hour));
      expect(world.reconcile().create).toHaveLength(1);
      world.finishAll();
    }
    world.clock.set(at(2));
    const pruning = world.reconcile();
    const oldest = scheduledSnapshotName('nightly', 'db-1', FIRST_RUN);
    expect(pruning.create).toEqual([]);
    expect(pruning.delete).toEqual([oldest]);
    expect(pruning.notices).toEqual([expect.objectContaining({ type: 'Normal', reason: 'PruningForLimit' })]);
    expect(pruning.requeueAfterMs).toBeGreaterThan(0);

    // The deletion is still under way: it holds its place on the hypervisor, so nothing is created yet.
    world.clock.advance(5_000);
    const stillGoing = world.reconcile();
    expect(stillGoing.create).toEqual([]);
    expect(stillGoing.delete).toEqual([]);

    world.finishDeletions();
    world.clock.advance(5_000);
    const taken = world.reconcile();
    expect(taken.create.map((c) => c.runAt)).toEqual([new Date(FIRST_RUN.getTime() + 2 * HOUR)]);
    expect(world.condition('Ready')).toMatchObject({ status: 'True', reason: 'Scheduled' });
    expect(world.peak.get('db-1')).toBe(2);
  });

  it('a day of runs under maxSnapshots 3 with keepLast 2 and a manual snapshot: never above the limit, every run taken', () => {
    const world = new World({ retention: { keepLast: 2 } }, ['db-1']);
    world.limits.set('db-1', 3);
    world.manual.set('db-1', 1);
    let taken = 0;
    for (let hour = 0; hour < 24; hour++) {
      world.clock.set(at(hour));
      // The controller comes back a few times within the run, deletions finishing in between.
      for (let look = 0; look < 4; look++) {
        taken += world.reconcile().create.length;
        world.finishAll();
        world.finishDeletions();
        world.clock.advance(10_000);
      }
    }
    expect(taken).toBe(24);
    expect(world.peak.get('db-1')).toBe(3);
    expect(world.ownOf('db-1').map((s) => (s.runAt.getTime() - FIRST_RUN.getTime()) / HOUR)).toEqual([
      22, 23,
    ]);
    expect(world.status.missedRuns).toBe(0);
  });

  it('when manual snapshots fill the limit: the run is not taken for that VM, Stalled names it, others go on', () => {
    const world = new World({ retention: { keepLast: 2 } }, ['db-1', 'web-1']);
    world.limits.set('db-1', 2);
    world.manual.set('db-1', 2);
    world.clock.set(at(0));
    const decision = world.reconcile();
    expect(decision.create.map((c) => c.vmName)).toEqual(['web-1']);
    expect(decision.delete).toEqual([]);
    expect(decision.notices).toEqual([
      expect.objectContaining({ type: 'Warning', reason: 'SnapshotLimitReached' }),
    ]);
    expect(decision.notices[0]?.message).toContain('VirtualMachine "db-1"');
    expect(world.condition('Ready')).toMatchObject({ status: 'False', reason: 'SnapshotLimitReached' });
    expect(world.condition('Stalled')).toMatchObject({ status: 'True', reason: 'SnapshotLimitReached' });
    expect(world.condition('Stalled')?.message).toContain('2 not taken by this schedule');
    // It looks again while the run is open (a manual deletion wakes no schedule) without spinning.
    expect(decision.requeueAfterMs).toBeGreaterThanOrEqual(1_000);

    // Between runs the condition holds; once a manual snapshot is deleted the open run is taken for db-1 too.
    world.finishAll();
    world.clock.advance(10 * MINUTE);
    world.reconcile();
    expect(world.condition('Stalled')?.status).toBe('True');
    world.manual.set('db-1', 1);
    world.clock.advance(MINUTE);
    const resumed = world.reconcile();
    expect(resumed.create.map((c) => c.vmName)).toEqual(['db-1']);
    expect(world.condition('Ready')).toMatchObject({ status: 'True', reason: 'Scheduled' });
  });

  it('retention that cannot free enough (own snapshots still unfinished) does not delete anything for nothing', () => {
    const world = new World({ retention: { keepLast: 1 }, concurrencyPolicy: 'Allow' }, ['db-1']);
    world.limits.set('db-1', 1);
    world.clock.set(at(0));
    expect(world.reconcile().create).toHaveLength(1);
    // The first run's snapshot is still InProgress: retention keeps unfinished ones, so there is no room.
    world.clock.set(at(1));
    const decision = world.reconcile();
    expect(decision.create).toEqual([]);
    expect(decision.delete).toEqual([]);
    expect(decision.notices[0]?.reason).toBe('SnapshotLimitReached');
  });

  it('a VM without a limit is never held back, whatever its count', () => {
    const world = new World({ retention: { keepLast: 1 } }, ['db-1']);
    world.manual.set('db-1', 500);
    world.clock.set(at(0));
    expect(world.reconcile().create).toHaveLength(1);
  });
});

describe('a schedule and a held VM', () => {
  it('is snapshotted when the hold is released within startingDeadlineSeconds', () => {
    const world = new World({ retention: { keepLast: 5 }, startingDeadlineSeconds: 300 }, ['db-1']);
    world.held.add('db-1');
    world.clock.set(at(0));
    const waiting = world.reconcile();
    expect(waiting.create).toEqual([]);
    expect(waiting.notices).toEqual([]);
    // It asks to be looked at again no later than the deadline (the release itself wakes it as a VM change).
    expect(waiting.requeueAfterMs).toBeLessThanOrEqual(300_000);
    world.clock.advance(2 * MINUTE);
    expect(world.reconcile().create).toEqual([]);
    world.held.delete('db-1');
    world.clock.advance(MINUTE);
    expect(world.reconcile().create.map((c) => c.runAt)).toEqual([FIRST_RUN]);
  });

  it('is skipped for the run, with a warning, when the hold outlasts startingDeadlineSeconds; the next run is taken', () => {
    const world = new World({ retention: { keepLast: 5 }, startingDeadlineSeconds: 300 }, ['db-1', 'web-1']);
    world.held.add('db-1');
    world.clock.set(at(0));
    expect(world.reconcile().create.map((c) => c.vmName)).toEqual(['web-1']);
    world.finishAll();
    // Not a success yet: db-1 may still be taken.
    world.clock.advance(MINUTE);
    world.reconcile();
    expect(world.status.lastSuccessfulTime).toBeUndefined();
    world.clock.advance(5 * MINUTE);
    const late = world.reconcile();
    expect(late.create).toEqual([]);
    expect(late.notices).toEqual([
      expect.objectContaining({ type: 'Warning', reason: 'StartingDeadlineExceeded' }),
    ]);
    expect(late.notices[0]?.message).toContain('"db-1"');
    world.held.delete('db-1');
    world.clock.advance(MINUTE);
    expect(world.reconcile().create).toEqual([]);
    world.clock.set(at(1));
    expect(world.reconcile().create.map((c) => c.vmName)).toEqual(['db-1', 'web-1']);
  });

  it('without startingDeadlineSeconds, waits for the hold as long as the run is open', () => {
    const world = new World({ retention: { keepLast: 5 } }, ['db-1']);
    world.held.add('db-1');
    world.clock.set(at(0));
    world.reconcile();
    world.clock.advance(50 * MINUTE);
    expect(world.reconcile().create).toEqual([]);
    world.held.delete('db-1');
    expect(world.reconcile().create).toHaveLength(1);
  });
});

describe('a schedule that selects nothing', () => {
  it('is Stalled with NoVMsSelected naming the field, and recovers when a VM appears', () => {
    const world = new World({ retention: { keepLast: 1 } }, []);
    world.clock.set(at(0));
    world.reconcile();
    expect(world.condition('Ready')).toMatchObject({ status: 'False', reason: 'NoVMsSelected' });
    expect(world.condition('Ready')?.message).toContain('spec.selector');
    world.vmNames = ['db-1'];
    expect(world.reconcile().create).toHaveLength(1);
    expect(world.condition('Ready')).toMatchObject({ status: 'True', reason: 'Scheduled' });
  });

  it('names spec.vmNames when listed VMs do not exist', () => {
    const world = new World({ selector: undefined, vmNames: ['gone-1'], retention: { keepLast: 1 } }, []);
    world.clock.set(at(0));
    world.reconcile();
    expect(world.condition('Stalled')?.message).toContain('spec.vmNames');
    expect(world.condition('Stalled')?.message).toContain('gone-1');
  });
});
