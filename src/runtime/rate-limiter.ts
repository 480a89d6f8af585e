/** Decides how long a failing key waits before its next attempt. */
export interface RateLimiter {
  /** Delay before the next attempt of `key`; each call counts one more failure. */
  when(key: string): number;
  /** Forgets the failures of `key` (it succeeded or gave up), so its next failure starts from the base delay. */
  forget(key: string): void;
  /** How many failures `key` has had since it was last forgotten. */
  failures(key: string): number;
}

export interface ExponentialBackoffOptions {
  /** Delay after the first failure (controller-runtime: 5 ms). */
  baseDelayMs?: number;
  /** Upper bound for any delay (controller-runtime: 1000 s). */
  maxDelayMs?: number;
  /** Fraction (0..1) of the delay taken off at random, so keys failing together do not retry together. */
  jitter?: number;
  /** Source of randomness in [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

/**
 * Per-key exponential backoff with jitter, like client-go's ItemExponentialFailureRateLimiter.
 * The n-th failure (n from 0) waits a delay in [d·(1−jitter), d] where d = min(maxDelayMs, baseDelayMs·2ⁿ):
 * never above the maximum, and never the same for every key that failed at once.
 */
export class ExponentialBackoff implements RateLimiter {
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #jitter: number;
  readonly #random: () => number;
  readonly #failures = new Map<string, number>();

  constructor(options: ExponentialBackoffOptions = {}) {
    this.#baseDelayMs = options.baseDelayMs ?? 5;
    this.#maxDelayMs = options.maxDelayMs ?? 1_000_000;
    this.#jitter = options.jitter ?? 0.1;
    this.#random = options.random ?? Math.random;
    if (!(this.#baseDelayMs > 0) || !(this.#maxDelayMs >= this.#baseDelayMs)) {
      throw new RangeError(
        `ExponentialBackoff: need 0 < baseDelayMs <= maxDelayMs, got ${this.#baseDelayMs} and ${this.#maxDelayMs}`,
      );
    }
    if (!(this.#jitter >= 0 && this.#jitter <= 1)) {
      throw new RangeError(`ExponentialBackoff: jitter must lie in [0, 1], got ${this.#jitter}`);
    }
  }

  when(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    // 2 ** 1100 is Infinity, which Math.min turns into the maximum: no overflow handling needed.
    const delay = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** failures);
    return delay * (1 - this.#jitter * this.#random());
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}
