import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type Clock, systemClock } from './clock.ts';
import {
  type ControllerMetrics,
  noopControllerMetrics,
  type ReconcileOutcome,
} from './controller-metrics.ts';
import { type KeyedObject, objectKey } from './object-key.ts';
import type { ChangeType, Source } from './source.ts';
import { onlyStatusChanged } from './status-only-change.ts';
import { TerminalError } from './terminal-error.ts';
import { WorkQueue } from './work-queue.ts';
import { WorkTokens } from './work-tokens.ts';

/** What a reconcile asks for. `{}` means done: run again only when something changes (or at the next resync). */
export interface ReconcileResult {
  /** Run this key again after this many milliseconds (e.g. to poll a long hypervisor operation). */
  requeueAfterMs?: number;
}

export interface ReconcileContext {
  /** Logger bound to controller, key and reconcileID. */
  log: Logger;
  /** Unique per reconcile call, to follow one attempt through the logs. */
  reconcileID: string;
  /** Aborted when the controller stops, so long steps can give up early; the key then runs again at next start. */
  signal: AbortSignal;
  /**
   * Waits for `work`, a long call outside this process (a hypervisor operation), without keeping one of the
   * controller's workers: while it waits, another worker takes the next key. The key itself stays in progress (it
   * is never reconciled twice at once). So `workers` bounds the reconciles doing work in this process, and
   * something else (a Hypervisor's operation slots) bounds the outside calls: with 4 workers and 40 hosts of 2
   * slots each, 80 snapshots can be taken at once, not 4.
   */
  awaitExternal<R>(work: Promise<R>): Promise<R>;
}

/**
 * Moves the world one step towards what the object at `key` asks for. Must be level-based and idempotent: it may run
 * again at any time, including after a crash between any two of its steps. Throw to retry with backoff; throw a
 * TerminalError when retrying cannot help.
 */
export type Reconciler = (key: string, ctx: ReconcileContext) => Promise<ReconcileResult>;

export interface ControllerOptions<T extends KeyedObject> {
  /** Names the controller in logs and metrics. */
  name: string;
  reconcile: Reconciler;
  /** The kind this controller reconciles; each of its objects is one key. */
  primary: Source<T>;
  logger: Logger;
  /**
   * Reconciles doing work at once (different keys; one key never runs twice at once). Default 1. A reconcile
   * waiting in `ctx.awaitExternal` lends its worker out for the wait.
   */
  workers?: number;
  /**
   * Every this many milliseconds every primary key is enqueued, because watches can miss changes. Default 10
   * minutes; 0 turns it off.
   */
  resyncIntervalMs?: number;
  queue?: WorkQueue;
  clock?: Clock;
  metrics?: ControllerMetrics;
  newReconcileID?: () => string;
}

/**
 * Runs a reconciler over the keys of one kind, like controller-runtime's controller: sources enqueue keys, N
 * workers take keys from a rate-limited queue, and the outcome of each reconcile decides the key's fate in
 * `reconcileHandler`.
 */
export class Controller<T extends KeyedObject> {
  readonly name: string;
  readonly #reconcile: Reconciler;
  readonly #primary: Source<T>;
  readonly #log: Logger;
  readonly #workers: number;
  readonly #resyncIntervalMs: number;
  readonly #queue: WorkQueue;
  readonly #clock: Clock;
  readonly #metrics: ControllerMetrics;
  readonly #newReconcileID: () => string;
  readonly #watched: Array<Source<unknown>> = [];
  readonly #unsubscribes: Array<() => void> = [];
  readonly #stopping = new AbortController();
  readonly #workerLoops = new Set<Promise<void>>();
  /** One per reconcile doing work: `workers` of them. */
  readonly #tokens: WorkTokens;
  /** Worker loops running: `workers`, plus one for each reconcile waiting in awaitExternal (see there). */
  #loops = 0;
  /** Reconciles waiting in awaitExternal, their tokens given back. */
  #lent = 0;
  #cancelResync: (() => void) | undefined;
  #active = 0;
  #started = false;
  /** Keys a worker is reconciling right now. */
  readonly #inFlight = new Set<string>();
  /** Keys in flight whose status-only change was held back because they were backing off (#primaryChanged). */
  readonly #deferredWhileBusy = new Set<string>();

  constructor(options: ControllerOptions<T>) {
    const workers = options.workers ?? 1;
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`controller ${options.name}: workers must be a positive integer, got ${workers}`);
    }
    this.name = options.name;
    this.#reconcile = options.reconcile;
    this.#primary = options.primary;
    this.#log = options.logger.child({ controller: options.name });
    this.#workers = workers;
    this.#tokens = new WorkTokens(workers);
    this.#resyncIntervalMs = options.resyncIntervalMs ?? 10 * 60_000;
    this.#clock = options.clock ?? systemClock;
    this.#queue = options.queue ?? new WorkQueue({ clock: this.#clock });
    this.#metrics = options.metrics ?? noopControllerMetrics;
    this.#newReconcileID = options.newReconcileID ?? randomUUID;
    this.#unsubscribes.push(
      this.#primary.subscribe((obj, change, previous) => this.#primaryChanged(obj, change, previous)),
    );
  }

  /**
   * Queues the key of a changed primary object, except a status-only update of a key that is backing off after
   * a failed reconcile: that is almost always the echo of the failed attempt's own status write (the error it
   * recorded), and queueing it at once would retry around the rate limiter: a driver failing every attempt was
   * retried every 20-30 ms. Its retry is already scheduled with backoff and will see the change. A key still in
   * flight is only marked (#deferredWhileBusy) and queued after all if that reconcile does not end in a retry.
   * Any other change (spec, finalizers, deletion, labels) is queued at once, as always.
   */
  #primaryChanged(obj: T, change: ChangeType, previous: T | undefined): void {
    const key = objectKey(obj);
    const backingOff = this.#queue.numRequeues(key) > 0;
    if (change === 'update' && backingOff && previous !== undefined && onlyStatusChanged(previous, obj)) {
      if (this.#inFlight.has(key)) this.#deferredWhileBusy.add(key);
      return;
    }
    this.#queue.add(key);
  }

  /**
   * Enqueues primary keys whenever an object of a related kind changes: `map` names the primary keys that
   * depend on it (a VM change enqueues the snapshots waiting on it). It also gets how the object changed and, for
   * an update, the object as it was when the source knows it, so it can ignore changes no primary cares about.
   * Call before `start`.
   */
  watch<R>(source: Source<R>, map: (obj: R, change: ChangeType, previous?: R) => Iterable<string>): this {
    if (this.#started) throw new Error(`controller ${this.name}: watch() must be called before start()`);
    this.#watched.push(source as Source<unknown>);
    this.#unsubscribes.push(
      source.subscribe((obj, change, previous) => {
        for (const key of map(obj, change, previous)) this.#queue.add(key);
      }),
    );
    return this;
  }

  /** Enqueues `key` now, for triggers that are not watches. */
  enqueue(key: string): void {
    this.#queue.add(key);
  }

  /** Waits until every source has synced, then starts the workers and the resync timer. */
  async start(): Promise<void> {
    if (this.#started) throw new Error(`controller ${this.name}: already started`);
    this.#started = true;
    await Promise.all([this.#primary, ...this.#watched].map((source) => source.waitForSync()));
    if (this.#stopping.signal.aborted) return;
    for (let i = 0; i < this.#workers; i++) this.#startWorkerLoop();
    this.#scheduleResync();
    this.#log.info({ workers: this.#workers }, 'controller started');
  }

  /** Stops taking keys and resolves once every reconcile in flight has returned. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    this.#cancelResync?.();
    for (const unsubscribe of this.#unsubscribes.splice(0)) unsubscribe();
    await this.#queue.shutDown();
    await Promise.all(this.#workerLoops);
    this.#log.info('controller stopped');
  }

  #startWorkerLoop(): void {
    this.#loops++;
    const loop = this.#runWorker().finally(() => {
      this.#loops--;
      this.#workerLoops.delete(loop);
    });
    this.#workerLoops.add(loop);
  }

  /**
   * Takes a key, then a token to work on it. Keys are taken first so that a loop waiting idle never sits on a
   * token a reconcile coming back from awaitExternal needs. A loop beyond `workers + lent` (the wait it stood in
   * for is over) ends after its current key.
   */
  async #runWorker(): Promise<void> {
    while (this.#loops <= this.#workers + this.#lent) {
      const key = await this.#queue.get();
      if (key === undefined) return;
      await this.#tokens.acquire();
      try {
        await this.#reconcileHandler(key);
      } finally {
        this.#tokens.release();
        this.#queue.done(key);
      }
    }
  }

  /**
   * Runs `work` with this reconcile's token given back, and one more loop taking keys while it waits (not while
   * stopping: no keys are taken then). Afterwards the reconcile takes a token again, ahead of keys not started.
   */
  async #awaitExternal<R>(work: Promise<R>): Promise<R> {
    this.#lent++;
    this.#tokens.release();
    if (!this.#stopping.signal.aborted && this.#loops < this.#workers + this.#lent) this.#startWorkerLoop();
    try {
      return await work;
    } finally {
      this.#lent--;
      await this.#tokens.acquire({ first: true });
    }
  }

  /** Runs one reconcile and decides the key's fate in one place, so every path is logged and measured alike. */
  async #reconcileHandler(key: string): Promise<void> {
    const reconcileID = this.#newReconcileID();
    const log = this.#log.child({ key, reconcileID });
    const started = this.#clock.now();
    this.#metrics.activeWorkers(this.name, ++this.#active);
    this.#inFlight.add(key);
    let lending = false;
    const result = await this.#invoke(key, {
      log,
      reconcileID,
      signal: this.#stopping.signal,
      // A second wait while the token is already given back just waits: a reconcile gives back one token at most.
      awaitExternal: async (work) => {
        if (lending) return work;
        lending = true;
        try {
          return await this.#awaitExternal(work);
        } finally {
          lending = false;
        }
      },
    });
    this.#inFlight.delete(key);
    this.#metrics.activeWorkers(this.name, --this.#active);
    // A change held back during this reconcile is dropped only when the key retries anyway (it will see it).
    const heldBack = this.#deferredWhileBusy.delete(key) && result.kind !== 'error';
    const seconds = (this.#clock.now() - started) / 1000;

    let outcome: ReconcileOutcome;
    switch (result.kind) {
      case 'terminal':
        // Retrying cannot help; the next watch event or resync brings the key back.
        this.#queue.forget(key);
        outcome = 'terminal_error';
        log.error({ err: result.error }, 'reconcile failed terminally; not retrying');
        break;
      case 'error':
        this.#queue.addRateLimited(key);
        outcome = 'error';
        log.error({ err: result.error, retries: this.#queue.numRequeues(key) }, 'reconcile failed; retrying');
        break;
      case 'requeueAfter':
        this.#queue.forget(key);
        this.#queue.addAfter(key, result.ms);
        outcome = 'requeue_after';
        log.debug({ requeueAfterMs: result.ms }, 'reconciled; requeue scheduled');
        break;
      case 'done':
        this.#queue.forget(key);
        outcome = 'success';
        log.debug('reconciled');
        break;
    }
    if (heldBack) this.#queue.add(key);
    this.#metrics.reconciled(this.name, outcome, seconds);
  }

  /** Calls the reconciler and classifies what it did, turning anything thrown into a value. */
  async #invoke(
    key: string,
    ctx: ReconcileContext,
  ): Promise<
    | { kind: 'done' }
    | { kind: 'requeueAfter'; ms: number }
    | { kind: 'error'; error: Error }
    | { kind: 'terminal'; error: Error }
  > {
    try {
      const result = await this.#reconcile(key, ctx);
      const ms = result?.requeueAfterMs;
      if (ms === undefined || ms === 0) return { kind: 'done' };
      if (!Number.isFinite(ms) || ms < 0) {
        return {
          kind: 'error',
          error: new Error(`reconciler returned requeueAfterMs=${ms}; expected a finite number >= 0`),
        };
      }
      return { kind: 'requeueAfter', ms };
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(`non-Error thrown: ${String(thrown)}`);
      return error instanceof TerminalError ? { kind: 'terminal', error } : { kind: 'error', error };
    }
  }

  #scheduleResync(): void {
    if (this.#resyncIntervalMs <= 0 || this.#stopping.signal.aborted) return;
    this.#cancelResync = this.#clock.setTimer(() => {
      for (const obj of this.#primary.list()) this.#queue.add(objectKey(obj));
      this.#scheduleResync();
    }, this.#resyncIntervalMs);
  }
}
