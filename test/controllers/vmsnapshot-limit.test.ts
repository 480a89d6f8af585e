import { describe, expect, it } from 'vitest';
import type { HypervisorView, SnapshotView, VmView } from '../../src/controllers/views.ts';
import { decideSnapshotStep } from '../../src/controllers/vmsnapshot/decide.ts';

const snapshot: SnapshotView = {
  namespace: 'prod',
  name: 'nightly-4',
  uid: 'uid-4',
  generation: 1,
  createdAt: new Date('2026-11-24T10:00:00Z'),
  deleting: false,
  hasFinalizer: true,
  spec: {
    vmName: 'web-1',
    memory: false,
    quiesce: false,
    description: '',
    deletionPolicy: 'Delete',
    failureDeadlineMs: 0,
  },
  status: { phase: 'Pending', snapshotName: undefined },
};
const vm: VmView = {
  namespace: 'prod',
  name: 'web-1',
  uid: 'vm-uid',
  hypervisorName: 'kvm-01',
  domain: 'web-1',
  phase: 'Running',
  hold: undefined,
  currentSnapshot: 'nightly-3',
  maxSnapshots: 3,
};
const hypervisor: HypervisorView = {
  name: 'kvm-01',
  ready: true,
  maxConcurrentOperations: 2,
  capabilities: { memorySnapshots: true, quiesce: false },
};
const now = new Date('2026-11-24T10:00:01Z');

describe('spec.maxSnapshots', () => {
  it('fails a new snapshot once the VM has maxSnapshots others, naming the limit', () => {
    const step = decideSnapshotStep({ snapshot, vm, hypervisor, now, otherSnapshotsOfVm: 3 });
    expect(step).toMatchObject({ kind: 'Fail', reason: 'SnapshotLimitReached', releaseHold: false });
    expect(step.kind === 'Fail' && step.message).toContain('maxSnapshots 3');
  });

  it('takes it below the limit, and without a limit at any count', () => {
    expect(decideSnapshotStep({ snapshot, vm, hypervisor, now, otherSnapshotsOfVm: 2 }).kind).toBe(
      'TakeHold',
    );
    const unlimited = { ...vm, maxSnapshots: undefined };
    expect(
      decideSnapshotStep({ snapshot, vm: unlimited, hypervisor, now, otherSnapshotsOfVm: 500 }).kind,
    ).toBe('TakeHold');
  });

  it("defaults to the hypervisor's own limit, which spec.maxSnapshots overrides either way", () => {
    const vsphereLike = {
      ...hypervisor,
      capabilities: { ...hypervisor.capabilities, maxSnapshotsPerVM: 32 },
    };
    const unset = { ...vm, maxSnapshots: undefined };
    const atDriverLimit = decideSnapshotStep({
      snapshot,
      vm: unset,
      hypervisor: vsphereLike,
      now,
      otherSnapshotsOfVm: 32,
    });
    expect(atDriverLimit).toMatchObject({ kind: 'Fail', reason: 'SnapshotLimitReached' });
    expect(atDriverLimit.kind === 'Fail' && atDriverLimit.message).toContain('Hypervisor "kvm-01"');
    expect(
      decideSnapshotStep({ snapshot, vm: unset, hypervisor: vsphereLike, now, otherSnapshotsOfVm: 31 }).kind,
    ).toBe('TakeHold');
    // The VM's own setting wins, lower or higher than the driver's.
    const lower = { ...vm, maxSnapshots: 2 };
    expect(
      decideSnapshotStep({ snapshot, vm: lower, hypervisor: vsphereLike, now, otherSnapshotsOfVm: 2 }).kind,
    ).toBe('Fail');
    const higher = { ...vm, maxSnapshots: 40 };
    expect(
      decideSnapshotStep({ snapshot, vm: higher, hypervisor: vsphereLike, now, otherSnapshotsOfVm: 32 }).kind,
    ).toBe('TakeHold');
  });

  it('does not stop a snapshot that already holds its VM (it was counted when it started)', () => {
    const held = {
      ...vm,
      hold: {
        operation: 'Snapshot' as const,
        holder: { kind: 'VMSnapshot' as const, name: 'nightly-4', uid: 'uid-4' },
        since: '2026-11-24T10:00:00Z',
      },
    };
    expect(decideSnapshotStep({ snapshot, vm: held, hypervisor, now, otherSnapshotsOfVm: 3 }).kind).toBe(
      'Create',
    );
  });
});
