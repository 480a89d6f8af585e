import { describe, expect, it } from 'vitest';
import type { ObjectCache } from '../../src/controllers/shared/deps.ts';
import type { ApiObject } from '../../src/controllers/shared/resources.ts';
import { vmsHeldByRevert } from '../../src/controllers/vmrevert/register.ts';
import {
  revertsOfSnapshot,
  revertsOfVm,
  revertsOnHypervisor,
} from '../../src/controllers/vmrevert/watch-maps.ts';

function cache(objects: ApiObject[]): ObjectCache {
  return {
    get: (namespace, name) =>
      objects.find((o) => o.metadata.namespace === namespace && o.metadata.name === name),
    list: () => objects,
  };
}

function obj(
  name: string,
  spec: object,
  status: object = {},
  extra: Partial<ApiObject['metadata']> = {},
): ApiObject {
  return { metadata: { name, namespace: 'prod', ...extra }, spec, status } as ApiObject;
}

const vms = cache([obj('web-1', { hypervisorName: 'kvm-01' }), obj('db-1', { hypervisorName: 'kvm-02' })]);
const snapshots = cache([obj('web-snap', { vmName: 'web-1' }), obj('db-snap', { vmName: 'db-1' })]);
const reverts = cache([
  obj('waiting', { snapshotName: 'web-snap' }),
  obj('planned', { snapshotName: 'gone-snap' }, { phase: 'Reverting', vmName: 'web-1' }),
  obj('done', { snapshotName: 'web-snap' }, { phase: 'Succeeded', vmName: 'web-1' }),
  obj(
    'done-cleaning',
    { snapshotName: 'web-snap' },
    { phase: 'Failed', vmName: 'web-1' },
    { finalizers: ['vmsnap.io/revert-protection'] },
  ),
  obj('other-vm', { snapshotName: 'db-snap' }),
  obj('other-ns', { snapshotName: 'web-snap' }, {}, { namespace: 'dev' }),
]);

describe('VMRevert watch maps', () => {
  it('a VM change wakes the reverts of its snapshots and the ones that planned it, not finished ones', () => {
    const vm = vms.get('prod', 'web-1') as ApiObject;
    expect(revertsOfVm(reverts, snapshots, vm).sort()).toEqual([
      'prod/done-cleaning',
      'prod/planned',
      'prod/waiting',
    ]);
  });

  it('a snapshot change wakes the reverts naming it', () => {
    const snap = snapshots.get('prod', 'db-snap') as ApiObject;
    expect(revertsOfSnapshot(reverts, snap)).toEqual(['prod/other-vm']);
  });

  it('a Hypervisor change wakes the reverts of its VMs', () => {
    const hv = { metadata: { name: 'kvm-02' } } as ApiObject;
    expect(revertsOnHypervisor(reverts, snapshots, vms, hv)).toEqual(['prod/other-vm']);
  });

  it('a VMRevert change wakes the VM whose hold names it (by uid)', () => {
    const held = cache([
      obj('web-1', {}, { hold: { holder: { kind: 'VMRevert', name: 'r', uid: 'u-1' } } }),
      obj('db-1', {}, { hold: { holder: { kind: 'VMSnapshot', name: 'r', uid: 'u-1' } } }),
    ]);
    expect(vmsHeldByRevert(held, obj('r', {}, {}, { uid: 'u-1' }))).toEqual(['prod/web-1']);
    expect(vmsHeldByRevert(held, obj('r', {}, {}, { uid: 'u-2' }))).toEqual([]);
  });
});
