/** The object shapes the runtime reads and writes: plain JSON as the API server sends it. */

export interface KubeObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
  }>;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: KubeObjectMeta;
}

export interface KubeList<T> {
  items: T[];
  metadata: { resourceVersion?: string; continue?: string };
}

/** Which collection an object lives in: enough to build every URL of it. */
export interface KubeResource {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

/** The object an operation is about. `namespace` is required for namespaced resources and ignored otherwise. */
export interface ObjectRef {
  namespace?: string;
  name: string;
}

/** `apiVersion` as objects carry it: `v1` for the core group, `group/version` otherwise. */
export function apiVersionOf(resource: KubeResource): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

/** The collection path (as a list or watch URL uses it), for all namespaces when `namespace` is undefined. */
export function collectionPath(resource: KubeResource, namespace?: string): string {
  const base =
    resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  return resource.namespaced && namespace !== undefined
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}`
    : `${base}/${resource.plural}`;
}

/** A short human name for messages: `vmsnapshots.vmsnap.io prod/before-upgrade`. */
export function describeRef(resource: KubeResource, ref: ObjectRef): string {
  const kind = resource.group === '' ? resource.plural : `${resource.plural}.${resource.group}`;
  return resource.namespaced ? `${kind} ${ref.namespace ?? '?'}/${ref.name}` : `${kind} ${ref.name}`;
}
