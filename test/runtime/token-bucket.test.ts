import { describe, expect, it } from 'vitest';
import { KeyedTokenBuckets } from '../../src/runtime/token-bucket.ts';
import { FakeClock } from './fake-clock.ts';

describe('KeyedTokenBuckets', () => {
  it('allows a burst per key, then one per refill period', () => {
    const clock = new FakeClock();
    const buckets = new KeyedTokenBuckets({ burst: 3, refillEveryMs: 1000, clock });
    expect([1, 2, 3, 4].map(() => buckets.tryTake('a'))).toEqual([true, true, true, false]);
    expect(buckets.tryTake('b')).toBe(true);
    clock.advance(999);
    expect(buckets.tryTake('a')).toBe(false);
    clock.advance(1);
    expect(buckets.tryTake('a')).toBe(true);
    expect(buckets.tryTake('a')).toBe(false);
    clock.advance(1_000_000);
    expect([1, 2, 3, 4].map(() => buckets.tryTake('a'))).toEqual([true, true, true, false]);
  });

  it('rejects nonsensical settings', () => {
    expect(() => new KeyedTokenBuckets({ burst: 0, refillEveryMs: 1, clock: new FakeClock() })).toThrow(
      /burst/,
    );
  });
});
