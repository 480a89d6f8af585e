import type { TypeRegistry } from '../registry.ts';
import type { Store, StoreEvent } from '../storage/store.ts';
import type { ResourceType } from '../types.ts';

/**
 * Every store event of every served type, through one listener. Follows the registry: types added later (CRDs)
 * are watched from then on, removed ones are dropped. Watches start live (no replay); `onResourceAdded` is called
 * right after a resource starts being watched (at start and when a CRD appears) so the caller can scan what is
 * already stored.
 */
export function watchAllResources(
  store: Store,
  registry: TypeRegistry,
  storageOf: (type: ResourceType) => string,
  listener: (event: StoreEvent) => void,
  onResourceAdded: (resource: string) => void = () => {},
): () => void {
  const watches = new Map<string, () => void>();
  const sync = () => {
    const wanted = new Set(registry.all().map(storageOf));
    for (const [resource, stop] of watches) {
      if (wanted.has(resource)) continue;
      stop();
      watches.delete(resource);
    }
    for (const resource of wanted) {
      if (watches.has(resource)) continue;
      watches.set(resource, store.watch(resource, undefined, undefined, listener));
      onResourceAdded(resource);
    }
  };
  sync();
  const unsubscribe = registry.onChange(sync);
  return () => {
    unsubscribe();
    for (const stop of watches.values()) stop();
    watches.clear();
  };
}
