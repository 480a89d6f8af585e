import type { Clock } from './clock.ts';

/**
 * Per-key token buckets: each key may spend `burst` tokens at once and earns one back every `refillEveryMs`.
 * Keys that have refilled completely are dropped, so memory follows the keys that are actually busy.
 */
export class KeyedTokenBuckets {
  readonly #burst: number;
  readonly #refillEveryMs: number;
  readonly #clock: Clock;
  readonly #buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(options: { burst: number; refillEveryMs: number; clock: Clock }) {
    if (!(options.burst >= 1) || !(options.refillEveryMs > 0)) {
      throw new RangeError(
        `KeyedTokenBuckets: need burst >= 1 and refillEveryMs > 0, got ${options.burst} and ${options.refillEveryMs}`,
      );
    }
    this.#burst = options.burst;
    this.#refillEveryMs = options.refillEveryMs;
    this.#clock = options.clock;
  }

  /** Spends a token of `key` if it has one; false means "over the limit, drop or defer". */
  tryTake(key: string): boolean {
    const now = this.#clock.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, updatedAt: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.updatedAt) / this.#refillEveryMs);
    bucket.updatedAt = now;
    if (bucket.tokens < 1) {
      this.#buckets.set(key, bucket);
      return false;
    }
    bucket.tokens -= 1;
    this.#buckets.set(key, bucket);
    this.#prune(now);
    return true;
  }

  #prune(now: number): void {
    if (this.#buckets.size < 1024) return;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) / this.#refillEveryMs >= this.#burst)
        this.#buckets.delete(key);
    }
  }
}
