import type { KubeObject } from '../types.ts';
import type { RecordedEvent } from './event-history.ts';
import type { StoreEvent } from './store.ts';

export type StoreListener = (event: StoreEvent) => void;

interface Watcher {
  resource: string;
  namespace: string | undefined;
  listener: StoreListener;
  /** Highest revision handed to this watcher: guards against repeats when replay and live delivery overlap. */
  delivered: number;
  active: boolean;
}

/**
 * Fans committed events out to watchers, synchronously and in revision order.
 *
 * A listener may itself write to the store (a controller reacting at once). Delivering that nested write's
 * event immediately would hand later watchers revision N+1 before N, so events are queued and the outermost
 * `publish` drains the queue: every watcher sees every event in revision order, exactly once.
 */
export class WatchHub {
  readonly #byResource = new Map<string, Set<Watcher>>();
  readonly #queue: RecordedEvent[] = [];
  #draining = false;
  readonly #onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  /**
   * Registers a listener, first replaying `replay` (events the caller fetched from history) to it.
   * `fromRevision`: events at or below it are never delivered to this listener.
   */
  add(
    resource: string,
    namespace: string | undefined,
    fromRevision: number,
    replay: RecordedEvent[],
    listener: StoreListener,
  ): () => void {
    const watcher: Watcher = { resource, namespace, listener, delivered: fromRevision, active: true };
    let watchers = this.#byResource.get(resource);
    if (!watchers) {
      watchers = new Set();
      this.#byResource.set(resource, watchers);
    }
    watchers.add(watcher);
    for (const event of replay) {
      if (!watcher.active) break;
      this.#deliver(watcher, event);
    }
    return () => {
      watcher.active = false;
      const set = this.#byResource.get(resource);
      set?.delete(watcher);
      if (set?.size === 0) this.#byResource.delete(resource);
    };
  }

  publish(event: RecordedEvent): void {
    this.#queue.push(event);
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        const watchers = this.#byResource.get(next.key.resource);
        if (!watchers) continue;
        // A snapshot: listeners may add or remove watchers while we deliver.
        for (const watcher of [...watchers]) this.#deliver(watcher, next);
      }
    } finally {
      this.#draining = false;
    }
  }

  #deliver(watcher: Watcher, event: RecordedEvent): void {
    if (!watcher.active || event.revision <= watcher.delivered) return;
    if (watcher.namespace !== undefined && watcher.namespace !== event.key.namespace) return;
    watcher.delivered = event.revision;
    try {
      watcher.listener(toStoreEvent(event));
    } catch (error) {
      // The change is committed; one broken listener must not keep it from the others.
      this.#onListenerError(error);
    }
  }
}

function toStoreEvent(event: RecordedEvent): StoreEvent {
  const storeEvent: StoreEvent = {
    type: event.type,
    key: { ...event.key },
    object: JSON.parse(event.objectJson) as KubeObject,
    revision: event.revision,
  };
  if (event.previousJson !== undefined) storeEvent.previous = JSON.parse(event.previousJson) as KubeObject;
  return storeEvent;
}
