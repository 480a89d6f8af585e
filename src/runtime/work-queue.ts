import { type Clock, systemClock } from './clock.ts';
import { noopWorkQueueMetrics, type WorkQueueMetrics } from './queue-metrics.ts';
import { ExponentialBackoff, type RateLimiter } from './rate-limiter.ts';

export interface WorkQueueOptions {
  clock?: Clock;
  rateLimiter?: RateLimiter;
  metrics?: WorkQueueMetrics;
}

/**
 * A keyed work queue with client-go's guarantees:
 * - Adding a key that is already waiting does nothing more: duplicate adds coalesce.
 * - A key handed out by `get` is never handed out again until the worker calls `done`. Adds that arrive in the
 *   meantime mark it dirty; `done` then queues it once, so the work that follows sees every change.
 * - `addRateLimited` schedules a retry after the rate limiter's per-key backoff; `forget` resets that backoff.
 * - `addAfter` delays an add; of several pending delays for one key the earliest wins.
 * - `shutDown` stops handing out work (waiting and later `get`s return undefined, adds are dropped) and resolves
 *   once every key already handed out is `done`.
 * Keys still waiting at shutdown are dropped: the reconcilers are level-based, so the next start relists.
 */
export class WorkQueue {
  readonly #clock: Clock;
  readonly #rateLimiter: RateLimiter;
  readonly #metrics: WorkQueueMetrics;

  /** Keys ready to hand out, in order; a key is here iff it is dirty and not being processed. */
  #ready: string[] = [];
  /** Keys that need processing (waiting in #ready, or re-added while in flight), with the time they became so. */
  readonly #dirty = new Map<string, number>();
  /** Keys handed out and not yet done, with the time they were handed out. */
  readonly #processing = new Map<string, number>();
  /** Delayed adds: when each key becomes due and how to cancel its timer. */
  readonly #delayed = new Map<string, { dueAt: number; cancel: () => void }>();
  /** Workers blocked in `get`. */
  #waiters: Array<(key: string | undefined) => void> = [];
  #shuttingDown = false;
  #drained: (() => void) | undefined;

  constructor(options: WorkQueueOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#rateLimiter = options.rateLimiter ?? new ExponentialBackoff();
    this.#metrics = options.metrics ?? noopWorkQueueMetrics;
  }

  /** Marks `key` as needing work now. */
  add(key: string): void {
    if (this.#shuttingDown) return;
    this.#metrics.added();
    if (this.#dirty.has(key)) return;
    this.#dirty.set(key, this.#clock.now());
    if (this.#processing.has(key)) return;
    this.#enqueue(key);
  }

  /** Adds `key` once `delayMs` has passed, unless an earlier add for it is already scheduled. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const dueAt = this.#clock.now() + delayMs;
    const pending = this.#delayed.get(key);
    if (pending !== undefined) {
      if (pending.dueAt <= dueAt) return;
      pending.cancel();
    }
    const cancel = this.#clock.setTimer(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.#delayed.set(key, { dueAt, cancel });
  }

  /** Schedules a retry of `key` after its backoff; each call counts one more failure. */
  addRateLimited(key: string): void {
    if (this.#shuttingDown) return;
    this.#metrics.retried();
    this.addAfter(key, this.#rateLimiter.when(key));
  }

  /** Resets the backoff of `key`. Does not remove it from the queue. */
  forget(key: string): void {
    this.#rateLimiter.forget(key);
  }

  /** Failures of `key` since it was last forgotten. */
  numRequeues(key: string): number {
    return this.#rateLimiter.failures(key);
  }

  /**
   * The next key to work on, waiting until there is one; undefined once the queue is shutting down.
   * The caller owns the key until it calls `done(key)`, and must call it exactly once.
   */
  get(): Promise<string | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    const key = this.#take();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Ends the work on `key`; if it was added again meanwhile it is queued now, once. */
  done(key: string): void {
    const startedAt = this.#processing.get(key);
    if (startedAt === undefined) return;
    this.#processing.delete(key);
    this.#metrics.workDuration((this.#clock.now() - startedAt) / 1000);
    if (this.#shuttingDown) {
      if (this.#processing.size === 0) this.#drained?.();
      return;
    }
    if (this.#dirty.has(key)) this.#enqueue(key);
  }

  /** Keys waiting to be handed out. */
  len(): number {
    return this.#ready.length;
  }

  /** Keys handed out and not yet done. */
  inFlight(): number {
    return this.#processing.size;
  }

  isShuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Stops handing out work and resolves when every key in flight is done. Safe to call more than once. */
  shutDown(): Promise<void> {
    if (!this.#shuttingDown) {
      this.#shuttingDown = true;
      for (const { cancel } of this.#delayed.values()) cancel();
      this.#delayed.clear();
      this.#ready = [];
      this.#dirty.clear();
      this.#metrics.depth(0);
      for (const wake of this.#waiters.splice(0)) wake(undefined);
    }
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#drained;
      this.#drained = () => {
        previous?.();
        resolve();
      };
    });
  }

  #enqueue(key: string): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      this.#ready.push(key);
      waiter(this.#take());
      return;
    }
    this.#ready.push(key);
    this.#metrics.depth(this.#ready.length);
  }

  #take(): string | undefined {
    const key = this.#ready.shift();
    if (key === undefined) return undefined;
    const now = this.#clock.now();
    this.#metrics.depth(this.#ready.length);
    this.#metrics.queueLatency((now - (this.#dirty.get(key) ?? now)) / 1000);
    this.#dirty.delete(key);
    this.#processing.set(key, now);
    return key;
  }
}
