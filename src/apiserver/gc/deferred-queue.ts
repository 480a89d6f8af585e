/**
 * Runs keyed tasks soon after they are queued, outside the store's synchronous event delivery (a write made
 * from inside a store listener would nest event deliveries). A key queued again before it ran runs once. A task
 * that throws is retried a few times with a delay, then logged and dropped: the next store event or the start-up
 * scan brings it back.
 */
export class DeferredQueue {
  readonly #pending = new Map<string, () => void>();
  readonly #attempts = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #scheduled: NodeJS.Immediate | undefined;
  #stopped = false;
  readonly #maxAttempts: number;
  readonly #retryDelayMs: number;

  constructor(options: { maxAttempts?: number; retryDelayMs?: number } = {}) {
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#retryDelayMs = options.retryDelayMs ?? 200;
  }

  add(key: string, task: () => void): void {
    if (this.#stopped) return;
    this.#pending.set(key, task);
    this.#scheduled ??= setImmediate(() => this.#drain());
  }

  stop(): void {
    this.#stopped = true;
    if (this.#scheduled) clearImmediate(this.#scheduled);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#pending.clear();
  }

  #drain(): void {
    this.#scheduled = undefined;
    const batch = [...this.#pending];
    this.#pending.clear();
    for (const [key, task] of batch) {
      if (this.#stopped) return;
      try {
        task();
        this.#attempts.delete(key);
      } catch (error) {
        const attempts = (this.#attempts.get(key) ?? 0) + 1;
        if (attempts >= this.#maxAttempts) {
          this.#attempts.delete(key);
          console.error(`apiserver background task ${key} failed ${attempts} times:`, error);
          continue;
        }
        this.#attempts.set(key, attempts);
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.add(key, task);
        }, this.#retryDelayMs * attempts);
        this.#timers.add(timer);
      }
    }
  }
}
