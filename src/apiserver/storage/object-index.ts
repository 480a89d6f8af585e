import type { ObjectKey } from '../types.ts';

/**
 * One stored object as the in-memory index keeps it: its JSON text, not a parsed object. Strings are
 * immutable, so the index, the event history and every reader can share one copy, and every reader gets a
 * private object by parsing it: nothing a caller receives can alias stored state.
 */
export interface StoredObject {
  json: string;
  revision: number;
}

/** The in-memory copy of every object, by resource, namespace and name. */
export class ObjectIndex {
  readonly #byResource = new Map<string, Map<string, Map<string, StoredObject>>>();

  get(key: ObjectKey): StoredObject | undefined {
    return this.#byResource.get(key.resource)?.get(key.namespace)?.get(key.name);
  }

  set(key: ObjectKey, stored: StoredObject): void {
    let namespaces = this.#byResource.get(key.resource);
    if (!namespaces) {
      namespaces = new Map();
      this.#byResource.set(key.resource, namespaces);
    }
    let names = namespaces.get(key.namespace);
    if (!names) {
      names = new Map();
      namespaces.set(key.namespace, names);
    }
    names.set(key.name, stored);
  }

  delete(key: ObjectKey): void {
    const namespaces = this.#byResource.get(key.resource);
    const names = namespaces?.get(key.namespace);
    if (!namespaces || !names) return;
    names.delete(key.name);
    if (names.size === 0) namespaces.delete(key.namespace);
    if (namespaces.size === 0) this.#byResource.delete(key.resource);
  }

  /**
   * Objects of one resource in one namespace (or all), ordered by namespace then name in code-unit order,
   * the order etcd's byte-ordered keys give kube-apiserver lists.
   */
  list(resource: string, namespace: string | undefined): StoredObject[] {
    const namespaces = this.#byResource.get(resource);
    if (!namespaces) return [];
    const namespaceNames = namespace === undefined ? sortedKeys(namespaces) : [namespace];
    const result: StoredObject[] = [];
    for (const ns of namespaceNames) {
      const names = namespaces.get(ns);
      if (!names) continue;
      for (const name of sortedKeys(names)) result.push(names.get(name)!);
    }
    return result;
  }
}

function sortedKeys(map: Map<string, unknown>): string[] {
  // Plain comparison, not localeCompare: byte-like order, the same on every machine.
  return [...map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
