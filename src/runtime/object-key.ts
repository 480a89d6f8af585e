/** The parts of an object a key is made of; structurally compatible with client-node's and the apiserver's objects. */
export interface KeyedObject {
  metadata?: { name?: string; namespace?: string };
}

/**
 * The queue key of an object: `namespace/name`, or `name` for cluster-scoped objects (client-go's
 * MetaNamespaceKeyFunc). Controllers pass keys, never objects, so a reconcile always reads fresh state.
 */
export function objectKey(obj: KeyedObject): string {
  const name = obj.metadata?.name;
  if (!name) throw new Error('objectKey: object has no metadata.name');
  const namespace = obj.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

/** Splits a key made by `objectKey`; `namespace` is undefined for cluster-scoped keys. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  if (slash === -1) return { namespace: undefined, name: key };
  if (slash === 0 || slash === key.length - 1 || key.indexOf('/', slash + 1) !== -1) {
    throw new Error(`splitKey: "${key}" is not a key of the form namespace/name or name`);
  }
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
