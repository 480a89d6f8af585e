import {
  type Informer as ClientInformer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type Clock, systemClock } from './clock.ts';
import type { KubeClient } from './kube-client.ts';
import { collectionPath, type KubeObject, type KubeResource } from './kube-object.ts';
import { objectKey } from './object-key.ts';
import { ExponentialBackoff, type RateLimiter } from './rate-limiter.ts';
import type { ChangeType, Source } from './source.ts';

export interface InformerOptions {
  kubeConfig: KubeConfig;
  /** Lists go through the KubeClient (errors as KubeError); watches through client-node's Watch. */
  client: KubeClient;
  resource: KubeResource;
  /** Watch one namespace only; all namespaces when undefined. */
  namespace?: string;
  labelSelector?: string;
  logger: Logger;
  clock?: Clock;
  /** Delay before restarting after an error (default 1 s doubling to 5 min, with jitter). */
  restartBackoff?: RateLimiter;
  /** A run that lasted this long before failing counts as healthy: the next restart starts from the base delay. */
  backoffResetMs?: number;
  /** No event for this long: assume the watch stalled silently, restart and relist (default 5 min). */
  watchdogMs?: number;
  /** Relist this often even when events flow, because watches can miss changes (default 30 min; 0 = off). */
  relistIntervalMs?: number;
}

const RESTART_KEY = 'restart';

/**
 * A list-watch cache of one resource over client-node's informer, with what that informer lacks:
 * - Restart with exponential backoff after any error: client-node's informer stops for good on errors other than
 *   410 Gone (kubernetes-client/javascript#1933 shows restart loops without backoff hammering servers).
 * - A watchdog: no event for `watchdogMs` means the watch may have stalled silently (#596, #958), so it restarts.
 * - A periodic relist every `relistIntervalMs`.
 * Every (re)start lists afresh; the list is diffed against this cache, so subscribers see exactly the adds,
 * updates and deletes they missed, and nothing twice. Updates are reported only when resourceVersion changed.
 */
export class Informer<T extends KubeObject> implements Source<T> {
  readonly #options: InformerOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #backoff: RateLimiter;
  readonly #cache = new Map<string, T>();
  readonly #handlers = new Set<(obj: T, change: ChangeType, previous?: T) => void>();
  #synced = false;
  #markSynced!: () => void;
  readonly #syncedPromise = new Promise<void>((resolve) => {
    this.#markSynced = resolve;
  });
  /** Increments on every (re)start; callbacks of older client-node informers check it and fall silent. */
  #generation = 0;
  #current: ClientInformer<KubernetesObject> | undefined;
  #runStartedAt = 0;
  #cancelWatchdog: (() => void) | undefined;
  #cancelRelist: (() => void) | undefined;
  #cancelRestart: (() => void) | undefined;
  #running = false;

  constructor(options: InformerOptions) {
    this.#options = options;
    const { group, plural } = options.resource;
    this.#log = options.logger.child({ informer: group ? `${plural}.${group}` : plural });
    this.#clock = options.clock ?? systemClock;
    this.#backoff =
      options.restartBackoff ?? new ExponentialBackoff({ baseDelayMs: 1000, maxDelayMs: 300_000 });
  }

  /** Starts listing and watching in the background; `waitForSync` tells when the first list arrived. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#generation++;
    this.#cancelTimers();
    const current = this.#current;
    this.#current = undefined;
    await current?.stop();
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#cache.get(namespace ? `${namespace}/${name}` : name);
  }

  list(): readonly T[] {
    return [...this.#cache.values()];
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  waitForSync(): Promise<void> {
    return this.#syncedPromise;
  }

  subscribe(handler: (obj: T, change: ChangeType, previous?: T) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Starts a fresh client-node informer; it lists first, so every run begins with a full diff. */
  #run(): void {
    if (!this.#running) return;
    const generation = ++this.#generation;
    const live = () => generation === this.#generation;
    const { kubeConfig, resource, namespace, labelSelector } = this.#options;
    const informer = makeInformer<KubernetesObject>(
      kubeConfig,
      collectionPath(resource, namespace),
      () => this.#list(live),
      labelSelector,
    );
    this.#current = informer;
    this.#runStartedAt = this.#clock.now();
    const observe = (change: ChangeType) => (obj: KubernetesObject) => {
      if (live()) this.#observe(change, obj as unknown as T);
    };
    informer.on('add', observe('add'));
    informer.on('update', observe('update'));
    informer.on('delete', observe('delete'));
    informer.on('error', (error: unknown) => {
      if (live()) this.#restartAfterError(error);
    });
    this.#armWatchdog(generation);
    this.#armRelist(generation);
    informer.start().catch((error: unknown) => {
      if (live()) this.#restartAfterError(error);
    });
  }

  /** The list function handed to client-node: diffs the fresh list against the cache before client-node sees it. */
  async #list(live: () => boolean): Promise<KubernetesListObject<KubernetesObject>> {
    const { client, resource, namespace, labelSelector } = this.#options;
    const list = await client.list<T>(resource, { namespace, labelSelector });
    if (live()) {
      const listed = new Set<string>();
      for (const item of list.items) {
        listed.add(objectKey(item));
        this.#observe('add', item);
      }
      for (const [key, cached] of this.#cache) {
        if (!listed.has(key)) this.#observe('delete', cached);
      }
      if (!this.#synced) {
        this.#synced = true;
        this.#markSynced();
        this.#log.info({ objects: this.#cache.size }, 'informer synced');
      }
    }
    return list as unknown as KubernetesListObject<KubernetesObject>;
  }

  /** Applies one observed change to the cache and tells subscribers, unless it changes nothing. */
  #observe(reported: ChangeType, obj: T): void {
    this.#armWatchdog(this.#generation);
    const key = objectKey(obj);
    const cached = this.#cache.get(key);
    let change: ChangeType;
    if (reported === 'delete') {
      if (cached === undefined) return;
      this.#cache.delete(key);
      change = 'delete';
    } else {
      if (cached !== undefined && cached.metadata.resourceVersion === obj.metadata.resourceVersion) return;
      this.#cache.set(key, obj);
      change = cached === undefined ? 'add' : 'update';
    }
    const previous = change === 'update' ? cached : undefined;
    for (const handler of this.#handlers) {
      try {
        handler(obj, change, previous);
      } catch (error) {
        this.#log.error({ err: error, key }, 'informer subscriber threw');
      }
    }
  }

  #restartAfterError(error: unknown): void {
    if (this.#clock.now() - this.#runStartedAt >= (this.#options.backoffResetMs ?? 60_000)) {
      this.#backoff.forget(RESTART_KEY);
    }
    const delayMs = this.#backoff.when(RESTART_KEY);
    this.#log.warn({ err: error, restartInMs: Math.round(delayMs) }, 'list/watch failed; restarting');
    this.#restart(delayMs);
  }

  #restart(delayMs: number): void {
    const previous = this.#current;
    this.#generation++;
    this.#current = undefined;
    this.#cancelTimers();
    previous?.stop().catch(() => {});
    this.#cancelRestart = this.#clock.setTimer(() => this.#run(), delayMs);
  }

  #armWatchdog(generation: number): void {
    this.#cancelWatchdog?.();
    const watchdogMs = this.#options.watchdogMs ?? 5 * 60_000;
    if (watchdogMs <= 0) return;
    this.#cancelWatchdog = this.#clock.setTimer(() => {
      if (generation !== this.#generation) return;
      this.#log.info({ watchdogMs }, 'no events for a while; restarting the watch and relisting');
      this.#restart(0);
    }, watchdogMs);
  }

  #armRelist(generation: number): void {
    this.#cancelRelist?.();
    const relistIntervalMs = this.#options.relistIntervalMs ?? 30 * 60_000;
    if (relistIntervalMs <= 0) return;
    this.#cancelRelist = this.#clock.setTimer(() => {
      if (generation !== this.#generation) return;
      this.#log.debug('periodic relist');
      this.#restart(0);
    }, relistIntervalMs);
  }

  #cancelTimers(): void {
    this.#cancelWatchdog?.();
    this.#cancelRelist?.();
    this.#cancelRestart?.();
    this.#cancelWatchdog = this.#cancelRelist = this.#cancelRestart = undefined;
  }
}
