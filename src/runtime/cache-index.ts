import type { KubeObject } from './kube-object.ts';
import { objectKey } from './object-key.ts';
import type { Source } from './source.ts';

/** What an index is built over: an informer, or any source that can also list what it knows. */
export type IndexableSource<T> = Source<T> & { list(): readonly T[] };

/**
 * A secondary index over an informer's cache, like client-go's Indexers: `keysOf` names the index keys an object
 * is filed under (a namespace, a label pair, ...), and `get` answers "the objects under this key" without walking
 * the whole cache. A controller that looked up "this namespace's snapshots of schedule X" by walking every object
 * on every reconcile spent most of the operator's CPU doing so at 10,000 VMs (docs/performance.md).
 *
 * Kept current by the source's own events: it seeds from `list()` and subscribes in the same synchronous step, so
 * no event falls between the two, and an informer updates its cache before it tells subscribers, so by the time
 * any reconcile runs the index agrees with the cache. `keysOf` must be a pure function of the object.
 */
export class CacheIndex<T extends KubeObject> {
  readonly #keysOf: (obj: T) => Iterable<string>;
  /** Index key -> object key -> object. */
  readonly #byKey = new Map<string, Map<string, T>>();
  /** Object key -> the index keys it is filed under now, to unfile it on update and delete. */
  readonly #filedUnder = new Map<string, readonly string[]>();
  readonly #unsubscribe: () => void;

  constructor(source: IndexableSource<T>, keysOf: (obj: T) => Iterable<string>) {
    this.#keysOf = keysOf;
    for (const obj of source.list()) this.#file(obj);
    this.#unsubscribe = source.subscribe((obj, change) => {
      if (change === 'delete') this.#unfile(objectKey(obj));
      else this.#file(obj);
    });
  }

  /** The objects filed under `key` (in no particular order); empty when none. */
  get(key: string): T[] {
    const objects = this.#byKey.get(key);
    return objects === undefined ? [] : [...objects.values()];
  }

  /** How many objects are filed under `key`. */
  count(key: string): number {
    return this.#byKey.get(key)?.size ?? 0;
  }

  /** Stops following the source; the index then keeps what it had. */
  close(): void {
    this.#unsubscribe();
  }

  #file(obj: T): void {
    const key = objectKey(obj);
    this.#unfile(key);
    const keys = [...new Set(this.#keysOf(obj))];
    for (const indexKey of keys) {
      let objects = this.#byKey.get(indexKey);
      if (objects === undefined) {
        objects = new Map();
        this.#byKey.set(indexKey, objects);
      }
      objects.set(key, obj);
    }
    this.#filedUnder.set(key, keys);
  }

  #unfile(key: string): void {
    for (const indexKey of this.#filedUnder.get(key) ?? []) {
      const objects = this.#byKey.get(indexKey);
      objects?.delete(key);
      if (objects?.size === 0) this.#byKey.delete(indexKey);
    }
    this.#filedUnder.delete(key);
  }
}
