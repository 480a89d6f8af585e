// Where vmsnap's kinds live on the API server, and the names the controllers stamp on objects.
import { GROUP, VERSION } from '../../api/group.ts';
import type { KubeObject, KubeResource } from '../../runtime/kube-object.ts';

export const HYPERVISORS: KubeResource = {
  group: GROUP,
  version: VERSION,
  plural: 'hypervisors',
  namespaced: false,
};
export const VIRTUAL_MACHINES: KubeResource = {
  group: GROUP,
  version: VERSION,
  plural: 'virtualmachines',
  namespaced: true,
};
export const VM_SNAPSHOTS: KubeResource = {
  group: GROUP,
  version: VERSION,
  plural: 'vmsnapshots',
  namespaced: true,
};
export const VM_REVERTS: KubeResource = {
  group: GROUP,
  version: VERSION,
  plural: 'vmreverts',
  namespaced: true,
};

/** Keeps a VMSnapshot until its hypervisor snapshot is deleted (or retained) and its hold released. */
export const SNAPSHOT_FINALIZER = 'vmsnap.io/snapshot-protection';

/** A vmsnap object as the API server sends it: parsed into domain values at each reconcile's edge. */
export interface ApiObject extends KubeObject {
  spec?: unknown;
  status?: Record<string, unknown>;
}
