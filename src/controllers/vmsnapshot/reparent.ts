import type { KubeClient } from '../../runtime/kube-client.ts';
import type { StatusWriter } from '../../runtime/status-writer.ts';
import { type ApiObject, VM_SNAPSHOTS } from '../shared/resources.ts';

/** The VMSnapshot being deleted, as re-parenting needs it. */
export interface DeletedSnapshot {
  namespace: string;
  name: string;
  uid: string;
  vmName: string;
}

export interface ReparentPlan {
  /** Where the deleted snapshot's children re-attach: its own status.parent ("" = they become roots). */
  newParent: string;
  /** The VMSnapshots whose status.parent names the deleted one and must be pointed at newParent. */
  children: ApiObject[];
}

/**
 * Which VMSnapshots re-attach, and where, when `deleted` goes: its children (same namespace and VM, status.parent
 * == its name) move to its own parent, as libvirt and vSphere re-attach a deleted snapshot's children to its
 * parent. Pure. `ofVm` are the VM's VMSnapshots as just listed; the deleted one is found among them by uid, so its
 * parent is the one stored now (a concurrent deletion of ITS parent may just have moved it).
 */
export function planReparent(deleted: DeletedSnapshot, ofVm: readonly ApiObject[]): ReparentPlan {
  const self = ofVm.find((s) => s.metadata.uid === deleted.uid);
  const newParent = parentOf(self);
  const children = ofVm.filter(
    (s) =>
      s.metadata.uid !== deleted.uid &&
      s.metadata.namespace === deleted.namespace &&
      vmNameOf(s) === deleted.vmName &&
      parentOf(s) === deleted.name,
  );
  return { newParent, children };
}

/**
 * The VM's currentSnapshot after `deleted` goes: its parent when it named the deleted one (libvirt makes the
 * parent current the same way), else unchanged.
 */
export function currentAfterDeletion(
  currentSnapshot: string | undefined,
  deletedName: string,
  newParent: string,
): string | undefined {
  return currentSnapshot === deletedName ? newParent : currentSnapshot;
}

/**
 * The VM's VMSnapshots, fresh from the API server: one list by the selectable field spec.vmName, so its cost
 * is the VM's snapshots, not the namespace's. Fresh rather than cached because a child that recorded this snapshot
 * as its parent just before we took the VM's hold may not be in the informer cache yet, and a missed child would
 * keep naming a deleted parent forever.
 */
export async function listSnapshotsOfVm(
  client: KubeClient,
  namespace: string,
  vmName: string,
): Promise<ApiObject[]> {
  const list = await client.list<ApiObject>(VM_SNAPSHOTS, {
    namespace,
    fieldSelector: `spec.vmName=${vmName}`,
  });
  return list.items;
}

/**
 * Points each child at `newParent`: a merge patch of status.parent alone, so it never overwrites what the child's
 * own reconciler writes. Idempotent (a child already re-pointed is no longer in a fresh plan).
 */
export async function reattachChildren(
  writer: StatusWriter,
  children: readonly ApiObject[],
  newParent: string,
): Promise<void> {
  for (const child of children) {
    await writer.patch(VM_SNAPSHOTS, child, { ...(child.status ?? {}), parent: newParent });
  }
}

function parentOf(snapshot: ApiObject | undefined): string {
  const parent = snapshot?.status?.parent;
  return typeof parent === 'string' ? parent : '';
}

function vmNameOf(snapshot: ApiObject): string | undefined {
  const spec = snapshot.spec as { vmName?: unknown } | undefined;
  return typeof spec?.vmName === 'string' ? spec.vmName : undefined;
}
