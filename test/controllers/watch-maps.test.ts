import { describe, expect, it } from 'vitest';
import type { ApiObject } from '../../src/controllers/shared/resources.ts';
import {
  snapshotsOfVm,
  snapshotsOnHypervisor,
  vmsOfSnapshot,
  vmsOnHypervisor,
} from '../../src/operator/watch-maps.ts';

const cache = (items: ApiObject[]) => ({
  list: () => items,
  get: (namespace: string | undefined, name: string) =>
    items.find((i) => i.metadata.name === name && i.metadata.namespace === namespace),
});

const vm = (name: string, hypervisorName: string, holder?: string): ApiObject => ({
  metadata: { name, namespace: 'prod' },
  spec: { hypervisorName, domain: name },
  status: holder
    ? { hold: { operation: 'Snapshot', holder: { kind: 'VMSnapshot', name: holder, uid: 'u' }, since: 't' } }
    : {},
});

/** `deleting`: deletion requested, the finalizer still on; `gone`: its last event, the finalizer off. */
const snapshot = (
  name: string,
  vmName: string,
  phase?: string,
  deleting: boolean | 'gone' = false,
): ApiObject => ({
  metadata: {
    name,
    namespace: 'prod',
    ...(deleting ? { deletionTimestamp: '2026-11-24T10:00:00Z' } : {}),
    ...(deleting === true ? { finalizers: ['vmsnap.io/snapshot-protection'] } : {}),
  },
  spec: { vmName },
  status: phase ? { phase } : {},
});

describe('watch maps', () => {
  const vms = cache([vm('web-1', 'kvm-01', 'done-but-holding'), vm('web-2', 'kvm-02')]);
  const snapshots = cache([
    snapshot('pending', 'web-1'),
    snapshot('in-flight', 'web-1', 'InProgress'),
    snapshot('kept', 'web-1', 'Ready'),
    snapshot('failed', 'web-1', 'Failed'),
    snapshot('being-deleted', 'web-1', 'Ready', true),
    snapshot('done-but-holding', 'web-1', 'Ready'),
    snapshot('other-vm', 'web-2'),
  ]);

  it('wakes only the holder (and snapshots being deleted) of a held VM', () => {
    expect(snapshotsOfVm(snapshots, vms.get('prod', 'web-1')!).sort()).toEqual(
      ['prod/being-deleted', 'prod/done-but-holding'].sort(),
    );
  });

  it('wakes the oldest unfinished snapshot of a free VM (next in line for its hold) and those being deleted', () => {
    // No creationTimestamp here: the name breaks the tie ('in-flight' < 'pending').
    expect(snapshotsOfVm(snapshots, vm('web-1', 'kvm-01')).sort()).toEqual(
      ['prod/being-deleted', 'prod/in-flight'].sort(),
    );
    const created = (s: ApiObject, at: string): ApiObject => ({
      ...s,
      metadata: { ...s.metadata, creationTimestamp: at },
    });
    const queued = cache([
      created(snapshot('b-first', 'web-1'), '2026-11-24T10:00:00Z'),
      created(snapshot('a-second', 'web-1'), '2026-11-24T10:00:01Z'),
      created(snapshot('done', 'web-1', 'Ready'), '2026-11-24T09:00:00Z'),
    ]);
    expect(snapshotsOfVm(queued, vm('web-1', 'kvm-01'))).toEqual(['prod/b-first']);
  });

  it('maps a Hypervisor to its VMs and their unfinished snapshots', () => {
    const hv: ApiObject = { metadata: { name: 'kvm-02' } };
    expect(vmsOnHypervisor(vms, hv)).toEqual(['prod/web-2']);
    expect(snapshotsOnHypervisor(vms, snapshots, hv)).toEqual(['prod/other-vm']);
  });

  it('maps a snapshot being deleted to the VM it holds, and any other snapshot change to no VM', () => {
    expect(vmsOfSnapshot(vms, snapshot('done-but-holding', 'web-2', 'Ready', true))).toEqual(['prod/web-1']);
    expect(vmsOfSnapshot(vms, snapshot('done-but-holding', 'web-1', 'Ready'))).toEqual([]);
    expect(vmsOfSnapshot(vms, snapshot('pending', 'web-1', undefined, true))).toEqual([]);
  });

  it('maps a snapshot that is gone (finalizer off) to its VM, which lists its snapshot tree again', () => {
    expect(vmsOfSnapshot(vms, snapshot('kept', 'web-2', 'Deleting', 'gone'))).toEqual(['prod/web-2']);
    expect(vmsOfSnapshot(vms, snapshot('kept', 'web-2', 'Deleting', true))).toEqual([]);
  });
});
