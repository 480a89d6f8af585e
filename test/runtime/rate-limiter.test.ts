import { describe, expect, it } from 'vitest';
import { ExponentialBackoff } from '../../src/runtime/rate-limiter.ts';

describe('ExponentialBackoff', () => {
  it('doubles the delay per failure from the base, per key', () => {
    const backoff = new ExponentialBackoff({ baseDelayMs: 5, maxDelayMs: 1_000_000, random: () => 0 });
    const delays = Array.from({ length: 6 }, () => backoff.when('a'));
    expect(delays).toEqual([5, 10, 20, 40, 80, 160]);
    expect(backoff.when('b')).toBe(5);
    expect(backoff.failures('a')).toBe(6);
  });

  it('never exceeds the maximum, even after very many failures', () => {
    const backoff = new ExponentialBackoff({ baseDelayMs: 5, maxDelayMs: 1000, random: () => 0 });
    const delays = Array.from({ length: 2000 }, () => backoff.when('a'));
    expect(Math.max(...delays)).toBe(1000);
    expect(delays.at(-1)).toBe(1000);
  });

  it('keeps jittered delays within [d*(1-jitter), d]', () => {
    let i = 0;
    const randoms = [0, 0.5, 0.999999];
    const backoff = new ExponentialBackoff({
      baseDelayMs: 100,
      maxDelayMs: 100_000,
      jitter: 0.2,
      random: () => randoms[i++ % randoms.length]!,
    });
    for (let failure = 0; failure < 12; failure++) {
      const d = Math.min(100_000, 100 * 2 ** failure);
      const delay = backoff.when('k');
      expect(delay).toBeGreaterThanOrEqual(d * 0.8);
      expect(delay).toBeLessThanOrEqual(d);
    }
  });

  it('spreads keys that fail together when using real randomness', () => {
    const backoff = new ExponentialBackoff({ baseDelayMs: 1000, jitter: 0.5 });
    const delays = new Set(Array.from({ length: 20 }, (_, n) => backoff.when(`key-${n}`)));
    expect(delays.size).toBeGreaterThan(1);
  });

  it('starts again from the base after forget', () => {
    const backoff = new ExponentialBackoff({ baseDelayMs: 5, random: () => 0 });
    backoff.when('a');
    backoff.when('a');
    backoff.forget('a');
    expect(backoff.failures('a')).toBe(0);
    expect(backoff.when('a')).toBe(5);
  });

  it('rejects nonsensical settings with a clear message', () => {
    expect(() => new ExponentialBackoff({ baseDelayMs: 0 })).toThrow(/baseDelayMs/);
    expect(() => new ExponentialBackoff({ baseDelayMs: 10, maxDelayMs: 5 })).toThrow(/maxDelayMs/);
    expect(() => new ExponentialBackoff({ jitter: 2 })).toThrow(/jitter/);
  });
});
