import type { Store } from '../storage/store.ts';
import type { KubeObject, ObjectKey } from '../types.ts';

export interface Dependent {
  key: ObjectKey;
  object: KubeObject;
}

/**
 * Objects (in storage form) whose ownerReferences name `owner`'s uid. Owners and dependents share a namespace,
 * or the owner is cluster-scoped, so a namespaced owner only needs its own namespace searched.
 */
export function findDependents(store: Store, owner: KubeObject, resources: Iterable<string>): Dependent[] {
  const uid = owner.metadata.uid;
  if (!uid) return [];
  const namespace = owner.metadata.namespace || undefined;
  const found: Dependent[] = [];
  for (const resource of resources) {
    for (const object of store.list(resource, namespace).items) {
      if (!object.metadata.ownerReferences?.some((ref) => ref.uid === uid)) continue;
      found.push({
        key: { resource, namespace: object.metadata.namespace ?? '', name: object.metadata.name ?? '' },
        object,
      });
    }
  }
  return found;
}

/**
 * propagationPolicy=Orphan: removes `owner` from its dependents' ownerReferences. Each dependent is its own
 * write (optimistic on its resourceVersion); a crash half-way leaves some dependents still referencing the
 * deleted owner, which the garbage collector then treats as Background deletion would.
 */
export function orphanDependents(store: Store, owner: KubeObject, resources: Iterable<string>): void {
  for (const { key, object } of findDependents(store, owner, resources)) {
    const refs = (object.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== owner.metadata.uid);
    const updated = structuredClone(object);
    if (refs.length > 0) updated.metadata.ownerReferences = refs;
    else delete updated.metadata.ownerReferences;
    store.update(key, updated, { resourceVersion: object.metadata.resourceVersion ?? '' });
  }
}
