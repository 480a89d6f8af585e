import type { InternalClient } from '../http/internal-client.ts';
import type { ResourceService } from '../http/resource-service.ts';
import { storageOf } from '../http/storage-forms.ts';
import type { TypeRegistry } from '../registry.ts';
import { DeferredQueue } from './deferred-queue.ts';
import { DEFAULT_EVENT_TTL_MS, sweepExpiredEvents } from './event-ttl.ts';
import { GarbageCollector } from './garbage-collector.ts';
import { NamespaceCascade } from './namespace-cascade.ts';
import { watchAllResources } from './store-event-feed.ts';

export interface GarbageCollectorDeps {
  service: ResourceService;
  registry: TypeRegistry;
  internal: InternalClient;
  clock: () => Date;
  /** Events not seen for this long are deleted (default 1 h, kube's --event-ttl). */
  eventTtlMs?: number;
}

const EVENT_SWEEP_INTERVAL_MS = 60_000;

/**
 * Starts ownerReference garbage collection and namespace cleanup over the store's events, after a scan that
 * finishes whatever a previous run left half done, and the periodic Event TTL sweep. `stop()` ends all three.
 */
export function startGarbageCollector(deps: GarbageCollectorDeps): { stop(): void } {
  const queue = new DeferredQueue();
  const collector = new GarbageCollector(deps.service, deps.registry, deps.internal, queue);
  const namespaces = new NamespaceCascade(deps.service, deps.registry, deps.internal, queue);
  const stopFeed = watchAllResources(
    deps.service.store,
    deps.registry,
    storageOf,
    (event) => {
      collector.onEvent(event);
      namespaces.onEvent(event);
    },
    (resource) => collector.resync(resource),
  );
  namespaces.resyncAll();
  const ttl = deps.eventTtlMs ?? DEFAULT_EVENT_TTL_MS;
  const sweep = setInterval(() => {
    try {
      sweepExpiredEvents(deps.internal, deps.clock(), ttl);
    } catch (error) {
      console.error('event TTL sweep failed:', error);
    }
  }, EVENT_SWEEP_INTERVAL_MS);
  sweep.unref();
  return {
    stop() {
      clearInterval(sweep);
      stopFeed();
      queue.stop();
    },
  };
}
