// How a change of one kind wakes the reconcilers of another: each function names the primary keys that depend
// on the changed object, read from the informer caches.
import type { ObjectCache } from '../controllers/shared/deps.ts';
import { type ApiObject, SNAPSHOT_FINALIZER } from '../controllers/shared/resources.ts';
import { oldestWaitingForHold } from '../controllers/vmsnapshot/hold-queue.ts';
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
 * The VMSnapshots a VM change can move. While the VM is held, only the holder (and snapshots being deleted) can
 * act: the others would just re-read both objects to find the hold still there, so with N snapshots queued on
 * one VM every hold or status write of the VM woke N-1 idle reconciles. Once the hold is gone, the oldest
 * unfinished snapshot is woken (it takes the hold next: see oldestWaitingForHold for why not all of them), and
 * every snapshot being deleted. Ready and Failed snapshots are left out, so a VM with many kept snapshots does
 * not wake them all on every status change. A waiting snapshot still looks again on its own timer
 * (WAIT_REQUEUE_MS, its failureDeadline).
 */
export function snapshotsOfVm(snapshots: ObjectCache, vm: ApiObject): string[] {
  const { name, namespace } = vm.metadata;
  const holder = holderName(vm);
  const keys = snapshots
    .list()
    .filter(
      (s) =>
        s.metadata.namespace === namespace &&
        specString(s, 'vmName') === name &&
        (s.metadata.name === holder || Boolean(s.metadata.deletionTimestamp)),
    )
    .map(objectKey);
  const next = holder === undefined ? oldestWaitingForHold(snapshots, namespace, name) : undefined;
  return next ? [...keys, objectKey(next)] : keys;
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
 * The VMs a VMSnapshot change matters to: only a VM whose hold names a snapshot that is being deleted, because the
 * VirtualMachine reconciler acts on a snapshot only when the hold's holder is gone (it then releases the stale
 * hold). Its other inputs are the VM itself (its own watch) and the domain (polled), so waking it on every status
 * write of a snapshot only cost a `getDomain` (one `virsh dominfo`) each, four or five per snapshot. A deleted
 * snapshot's last events carry its deletionTimestamp (it had the finalizer while it held anything); a holder that
 * vanishes any other way is still noticed at the VM's next periodic observation.
 */
export function vmsOfSnapshot(vms: ObjectCache, snapshot: ApiObject): string[] {
  const { namespace, name } = snapshot.metadata;
  if (!snapshot.metadata.deletionTimestamp) return [];
  // A snapshot whose finalizer is off is gone (its last event): its VM lists its snapshot tree again, where a
  // retained snapshot now shows as such. One wake per deleted snapshot.
  const gone = !(snapshot.metadata.finalizers ?? []).includes(SNAPSHOT_FINALIZER);
  const vmName = gone ? specString(snapshot, 'vmName') : undefined;
  return vms
    .list()
    .filter(
      (vm) => vm.metadata.namespace === namespace && (holderName(vm) === name || vm.metadata.name === vmName),
    )
    .map(objectKey);
}

function holderName(vm: ApiObject): string | undefined {
  const hold = vm.status?.hold as { holder?: { name?: unknown } } | undefined;
  return typeof hold?.holder?.name === 'string' ? hold.holder.name : undefined;
}
