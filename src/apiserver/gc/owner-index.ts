import type { StoreEvent } from '../storage/store.ts';
import type { ObjectKey } from '../types.ts';

function keyText(key: ObjectKey): string {
  return `${key.resource}|${key.namespace}|${key.name}`;
}

/**
 * Owner uid -> keys of the objects whose ownerReferences name it, kept current from store events so finding an
 * owner's dependents costs no scan of the store.
 */
export class OwnerIndex {
  readonly #dependents = new Map<string, Map<string, ObjectKey>>();
  /** Each indexed object's owner uids, to unindex it when its references change or it goes away. */
  readonly #owners = new Map<string, string[]>();

  apply(event: StoreEvent): void {
    const text = keyText(event.key);
    for (const uid of this.#owners.get(text) ?? []) {
      const keys = this.#dependents.get(uid);
      keys?.delete(text);
      if (keys?.size === 0) this.#dependents.delete(uid);
    }
    this.#owners.delete(text);
    if (event.type === 'DELETED') return;
    const uids = (event.object.metadata.ownerReferences ?? []).map((ref) => ref.uid);
    if (uids.length === 0) return;
    this.#owners.set(text, uids);
    for (const uid of uids) {
      let keys = this.#dependents.get(uid);
      if (!keys) {
        keys = new Map();
        this.#dependents.set(uid, keys);
      }
      keys.set(text, event.key);
    }
  }

  dependentsOf(ownerUid: string | undefined): ObjectKey[] {
    if (!ownerUid) return [];
    return [...(this.#dependents.get(ownerUid)?.values() ?? [])];
  }
}
