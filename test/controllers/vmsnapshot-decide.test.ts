import { describe, expect, it } from 'vitest';
import type { HoldView, HypervisorView, SnapshotView, VmView } from '../../src/controllers/views.ts';
import { decideSnapshotStep, type SnapshotWorld } from '../../src/controllers/vmsnapshot/decide.ts';

const created = new Date('2026-11-24T10:00:00Z');
const minutes = (n: number) => new Date(created.getTime() + n * 60_000);

function snapshot(over: Partial<SnapshotView> = {}, spec: Partial<SnapshotView['spec']> = {}): SnapshotView {
  return {
    namespace: 'prod',
    name: 'before-upgrade',
    uid: 'snap-uid',
    generation: 1,
    createdAt: created,
    deleting: false,
    hasFinalizer: true,
    spec: {
      vmName: 'web-1',
      memory: true,
      quiesce: false,
      description: '',
      deletionPolicy: 'Delete',
      failureDeadlineMs: 10 * 60_000,
      ...spec,
    },
    status: { phase: undefined, snapshotName: undefined },
    ...over,
  };
}

function vm(over: Partial<VmView> = {}): VmView {
  return {
    namespace: 'prod',
    name: 'web-1',
    uid: 'vm-uid',
    hypervisorName: 'kvm-01',
    domain: 'web-1',
    phase: 'Running',
    hold: undefined,
    currentSnapshot: undefined,
    ...over,
  };
}

const readyHypervisor: HypervisorView = {
  name: 'kvm-01',
  ready: true,
  maxConcurrentOperations: 2,
  capabilities: { memorySnapshots: true, quiesce: false },
};

const ourHold: HoldView = {
  operation: 'Snapshot',
  holder: { kind: 'VMSnapshot', name: 'before-upgrade', uid: 'snap-uid' },
  since: created.toISOString(),
};
const otherHold: HoldView = {
  operation: 'RevertTo',
  holder: { kind: 'VMRevert', name: 'rollback', uid: 'rev-uid' },
  since: created.toISOString(),
};

function world(over: Partial<SnapshotWorld> = {}): SnapshotWorld {
  return { snapshot: snapshot(), vm: vm(), hypervisor: readyHypervisor, now: minutes(1), ...over };
}

describe('decideSnapshotStep', () => {
  it('adds the finalizer before anything touches the hypervisor', () => {
    expect(decideSnapshotStep(world({ snapshot: snapshot({ hasFinalizer: false }) }))).toEqual({
      kind: 'AddFinalizer',
    });
  });

  it('takes the hold when the VM is free and everything is ready', () => {
    expect(decideSnapshotStep(world()).kind).toBe('TakeHold');
  });

  it('creates once it holds the VM', () => {
    expect(decideSnapshotStep(world({ vm: vm({ hold: ourHold }) })).kind).toBe('Create');
  });

  it('waits for another holder, naming it', () => {
    const step = decideSnapshotStep(world({ vm: vm({ hold: otherHold }) }));
    expect(step).toMatchObject({ kind: 'Wait', reason: 'WaitingForHold', stalled: false });
    expect(step.kind === 'Wait' && step.message).toContain('VMRevert "rollback"');
  });

  it('waits for a missing VM and stalls at the deadline, never failing silently', () => {
    const early = decideSnapshotStep(world({ vm: undefined, hypervisor: undefined }));
    expect(early).toMatchObject({ kind: 'Wait', reason: 'VMNotFound', stalled: false });
    const late = decideSnapshotStep(world({ vm: undefined, hypervisor: undefined, now: minutes(11) }));
    expect(late).toMatchObject({ kind: 'Wait', reason: 'VMNotFound', stalled: true });
    expect(late.kind === 'Wait' && late.message).toContain('failureDeadline 10m passed');
  });

  it('waits for an unreachable hypervisor with its reason', () => {
    const step = decideSnapshotStep(
      world({ hypervisor: { ...readyHypervisor, ready: false, notReadyMessage: 'connection refused' } }),
    );
    expect(step).toMatchObject({ kind: 'Wait', reason: 'HypervisorNotReady' });
    expect(step.kind === 'Wait' && step.message).toContain('connection refused');
  });

  it('fails a memory snapshot of a stopped VM without taking the hold', () => {
    expect(decideSnapshotStep(world({ vm: vm({ phase: 'Stopped' }) }))).toMatchObject({
      kind: 'Fail',
      reason: 'MemoryRequiresRunningVM',
      releaseHold: false,
    });
  });

  it('takes a disk-only snapshot of a stopped VM', () => {
    const w = world({ snapshot: snapshot({}, { memory: false }), vm: vm({ phase: 'Stopped' }) });
    expect(decideSnapshotStep(w).kind).toBe('TakeHold');
  });

  it('fails quiesce on a hypervisor that cannot quiesce', () => {
    const w = world({ snapshot: snapshot({}, { quiesce: true }) });
    expect(decideSnapshotStep(w)).toMatchObject({ kind: 'Fail', reason: 'QuiesceUnavailable' });
  });

  describe('failureDeadline counts from when the operation started on the hypervisor (status.startTime)', () => {
    const startedAt = minutes(30);
    const started = (phase: SnapshotView['status']['phase'] = 'InProgress') =>
      snapshot({ status: { phase, snapshotName: 'vs-snap-uid', startedAt } });

    it('fails and releases the hold once the operation has run for the whole deadline', () => {
      const w = world({ snapshot: started(), vm: vm({ hold: ourHold }), now: minutes(40) });
      const step = decideSnapshotStep(w);
      expect(step).toMatchObject({ kind: 'Fail', reason: 'DeadlineExceeded', releaseHold: true });
      expect(step.kind === 'Fail' && step.message).toContain(startedAt.toISOString());
    });

    it('keeps going while the operation is within its deadline, however long ago the snapshot was created', () => {
      const w = world({ snapshot: started(), vm: vm({ hold: ourHold }), now: minutes(39) });
      expect(decideSnapshotStep(w).kind).toBe('Create');
    });

    it('never fails or stalls a snapshot queued for a slot (holding its VM, not started) past the deadline', () => {
      for (const now of [minutes(10), minutes(11), minutes(10_000)]) {
        const w = world({ snapshot: snapshot({ status: { phase: 'Pending', snapshotName: undefined } }) });
        expect(decideSnapshotStep({ ...w, vm: vm({ hold: ourHold }), now }).kind).toBe('Create');
      }
    });

    it('stalls, not fails, a held snapshot whose hypervisor went away before its operation started', () => {
      const hypervisor = { ...readyHypervisor, ready: false, notReadyMessage: 'connection refused' };
      const early = decideSnapshotStep(world({ vm: vm({ hold: ourHold }), hypervisor, now: minutes(9) }));
      expect(early).toMatchObject({ kind: 'Wait', reason: 'HypervisorNotReady', stalled: false });
      const late = decideSnapshotStep(world({ vm: vm({ hold: ourHold }), hypervisor, now: minutes(11) }));
      expect(late).toMatchObject({ kind: 'Wait', reason: 'HypervisorNotReady', stalled: true });
    });

    it('waits without stalling for a hypervisor that went away during a started operation, then fails it', () => {
      const hypervisor = { ...readyHypervisor, ready: false };
      const during = decideSnapshotStep(
        world({ snapshot: started(), vm: vm({ hold: ourHold }), hypervisor, now: minutes(35) }),
      );
      expect(during).toMatchObject({ kind: 'Wait', reason: 'HypervisorNotReady', stalled: false });
      const after = decideSnapshotStep(
        world({ snapshot: started(), vm: vm({ hold: ourHold }), hypervisor, now: minutes(40) }),
      );
      expect(after).toMatchObject({ kind: 'Fail', reason: 'DeadlineExceeded', releaseHold: true });
    });

    it('still stalls a snapshot waiting for another holder past the deadline counted from creation', () => {
      const step = decideSnapshotStep(world({ vm: vm({ hold: otherHold }), now: minutes(10) }));
      expect(step).toMatchObject({ kind: 'Wait', reason: 'WaitingForHold', stalled: true });
    });

    it('leaves a finished snapshot alone whatever its startTime says', () => {
      const ready = world({ snapshot: started('Ready'), vm: vm({ hold: ourHold }), now: minutes(100) });
      expect(decideSnapshotStep(ready).kind).toBe('Finish');
    });
  });

  it('never times out without a deadline', () => {
    const w = world({
      snapshot: snapshot({}, { failureDeadlineMs: 0 }),
      vm: vm({ hold: ourHold }),
      now: minutes(10_000),
    });
    expect(decideSnapshotStep(w).kind).toBe('Create');
  });

  it('finishes a Ready snapshot that still holds its VM (crash between Create and Finish)', () => {
    const w = world({
      snapshot: snapshot({ status: { phase: 'Ready', snapshotName: 'vs-snap-uid' } }),
      vm: vm({ hold: ourHold }),
    });
    expect(decideSnapshotStep(w).kind).toBe('Finish');
  });

  it('releases the hold of a Failed snapshot', () => {
    const w = world({
      snapshot: snapshot({ status: { phase: 'Failed', snapshotName: undefined } }),
      vm: vm({ hold: ourHold }),
    });
    expect(decideSnapshotStep(w).kind).toBe('ReleaseHold');
  });

  it('is done with a Ready snapshot that holds nothing', () => {
    const w = world({ snapshot: snapshot({ status: { phase: 'Ready', snapshotName: 'vs-snap-uid' } }) });
    expect(decideSnapshotStep(w).kind).toBe('Done');
  });

  it('cleans up on delete: hypervisor snapshot for Delete, kept for Retain, hold released', () => {
    const deleting = (policy: 'Delete' | 'Retain') =>
      snapshot(
        { deleting: true, status: { phase: 'Ready', snapshotName: 'vs-snap-uid' } },
        { deletionPolicy: policy },
      );
    expect(decideSnapshotStep(world({ snapshot: deleting('Delete'), vm: vm({ hold: ourHold }) }))).toEqual({
      kind: 'Cleanup',
      deleteOnHypervisor: true,
      releaseHold: true,
    });
    expect(decideSnapshotStep(world({ snapshot: deleting('Retain') }))).toEqual({
      kind: 'Cleanup',
      deleteOnHypervisor: false,
      releaseHold: false,
    });
  });

  it('has nothing to delete on the hypervisor when it never got a name there', () => {
    const w = world({ snapshot: snapshot({ deleting: true }) });
    expect(decideSnapshotStep(w)).toMatchObject({ kind: 'Cleanup', deleteOnHypervisor: false });
  });
});
