// How a change of one kind wakes the reconcilers of another: each function names the primary keys that depend
// on the changed object, read from the informer caches.
import type { ObjectCache } from '../controllers/shared/deps.ts';
import type { ApiObject } from '../controllers/shared/resources.ts';
import { objectKey } from '../runtime/object-key.ts';

/** A string field of the object's spec, or undefined. */
export function specString(obj: ApiObject, field: string): string | undefined {
  const spec = obj.spec;
  if (typeof spec !== 'object' || spec === null) return undefined;
  const value = (spec as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

/** The VMs that live on a Hypervisor. */
export function vmsOnHypervisor(vms: ObjectCache, hypervisor: ApiObject): string[] {
  const name = hypervisor.metadata.name;
  return vms
    .list()
    .filter((vm) => specString(vm, 'hypervisorName') === name)
    .map(objectKey);
}

/**
 * The VMSnapshots a VM change can move: those that name it and still have work to do (waiting for its hold,
 * in flight, being deleted) and the one holding it. Ready and Failed snapshots are left out, so a VM with many
 * kept snapshots does not wake them all on every status change.
 */
export function snapshotsOfVm(snapshots: ObjectCache, vm: ApiObject): string[] {
  const { name, namespace } = vm.metadata;
  const holder = holderName(vm);
  return snapshots
    .list()
    .filter(
      (s) =>
        s.metadata.namespace === namespace &&
        specString(s, 'vmName') === name &&
        (hasWorkToDo(s) || s.metadata.name === holder),
    )
    .map(objectKey);
}

function hasWorkToDo(snapshot: ApiObject): boolean {
  const phase = snapshot.status?.phase;
  return Boolean(snapshot.metadata.deletionTimestamp) || (phase !== 'Ready' && phase !== 'Failed');
}

/** The unfinished VMSnapshots of every VM on a Hypervisor (they wait for it to become Ready). */
export function snapshotsOnHypervisor(
  vms: ObjectCache,
  snapshots: ObjectCache,
  hypervisor: ApiObject,
): string[] {
  const onHost = new Set(vmsOnHypervisor(vms, hypervisor));
  return snapshots
    .list()
    .filter((s) => hasWorkToDo(s) && onHost.has(`${s.metadata.namespace}/${specString(s, 'vmName')}`))
    .map(objectKey);
}

/**
 * The VMs a VMSnapshot change matters to: the one it names, and any VM whose hold names it (its deletion may
 * leave a stale hold there to release).
 */
export function vmsOfSnapshot(vms: ObjectCache, snapshot: ApiObject): string[] {
  const { namespace, name } = snapshot.metadata;
  const keys = new Set<string>();
  const vmName = specString(snapshot, 'vmName');
  if (vmName && namespace) keys.add(`${namespace}/${vmName}`);
  for (const vm of vms.list()) {
    if (vm.metadata.namespace === namespace && holderName(vm) === name) keys.add(objectKey(vm));
  }
  return [...keys];
}

function holderName(vm: ApiObject): string | undefined {
  const hold = vm.status?.hold as { holder?: { name?: unknown } } | undefined;
  return typeof hold?.holder?.name === 'string' ? hold.holder.name : undefined;
}
