// How changes of other kinds wake VMRevert reconciles: each function names the VMRevert keys that depend on the
// changed object, read from the informer caches. Finished reverts with nothing left to clean up are never woken:
// VMs change often and their reverts pile up.

import { objectKey } from '../../runtime/object-key.ts';
import type { ObjectCache } from '../shared/deps.ts';
import type { ApiObject } from '../shared/resources.ts';

/**
 * The VMReverts a VirtualMachine change matters to: the ones that planned this VM (status.vmName) and the ones
 * whose snapshot is of this VM (waiting to plan, or for its hold to be released).
 */
export function revertsOfVm(reverts: ObjectCache, snapshots: ObjectCache, vm: ApiObject): string[] {
  const { namespace, name } = vm.metadata;
  const snapshotsOfVm = new Set(
    snapshots
      .list()
      .filter((s) => s.metadata.namespace === namespace && field(s.spec, 'vmName') === name)
      .map((s) => s.metadata.name),
  );
  return reverts
    .list()
    .filter(
      (r) =>
        r.metadata.namespace === namespace &&
        hasWorkLeft(r) &&
        (field(r.status, 'vmName') === name || snapshotsOfVm.has(field(r.spec, 'snapshotName'))),
    )
    .map(objectKey);
}

/** The VMReverts that name a VMSnapshot (they wait for it to become Ready). */
export function revertsOfSnapshot(reverts: ObjectCache, snapshot: ApiObject): string[] {
  const { namespace, name } = snapshot.metadata;
  return reverts
    .list()
    .filter(
      (r) => r.metadata.namespace === namespace && hasWorkLeft(r) && field(r.spec, 'snapshotName') === name,
    )
    .map(objectKey);
}

/** The VMReverts whose VM lives on a Hypervisor (they wait for it to become Ready). */
export function revertsOnHypervisor(
  reverts: ObjectCache,
  snapshots: ObjectCache,
  vms: ObjectCache,
  hypervisor: ApiObject,
): string[] {
  const keys = new Set<string>();
  for (const vm of vms.list()) {
    if (field(vm.spec, 'hypervisorName') !== hypervisor.metadata.name) continue;
    for (const key of revertsOfVm(reverts, snapshots, vm)) keys.add(key);
  }
  return [...keys];
}

/** Not yet Succeeded or Failed, or still carrying its finalizer (a hold to release, a cleanup to do). */
function hasWorkLeft(revert: ApiObject): boolean {
  const phase = field(revert.status, 'phase');
  return (phase !== 'Succeeded' && phase !== 'Failed') || (revert.metadata.finalizers?.length ?? 0) > 0;
}

function field(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = (value as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}
