import { describe, expect, it } from 'vitest';
import type { WorkQueueMetrics } from '../../src/runtime/queue-metrics.ts';
import { ExponentialBackoff } from '../../src/runtime/rate-limiter.ts';
import { WorkQueue } from '../../src/runtime/work-queue.ts';
import { FakeClock } from './fake-clock.ts';

function newQueue() {
  const clock = new FakeClock();
  const queue = new WorkQueue({
    clock,
    rateLimiter: new ExponentialBackoff({ baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0 }),
  });
  return { clock, queue };
}

describe('WorkQueue', () => {
  it('coalesces duplicate adds and hands keys out in order', async () => {
    const { queue } = newQueue();
    queue.add('a');
    queue.add('b');
    queue.add('a');
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toBe('a');
    expect(await queue.get()).toBe('b');
    expect(queue.len()).toBe(0);
  });

  it('never hands out a key in flight; a re-add runs once after done', async () => {
    const { queue } = newQueue();
    queue.add('a');
    const key = await queue.get();
    queue.add('a');
    queue.add('a');
    expect(queue.len()).toBe(0);
    queue.add('b');
    expect(await queue.get()).toBe('b');
    queue.done(key!);
    expect(queue.len()).toBe(1);
    expect(await queue.get()).toBe('a');
    queue.done('a');
    queue.done('b');
    expect(queue.len()).toBe(0);
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const { queue } = newQueue();
    const pending = queue.get();
    queue.add('x');
    expect(await pending).toBe('x');
    expect(queue.inFlight()).toBe(1);
  });

  it('serializes each key across concurrent workers without losing adds', async () => {
    const { queue } = newQueue();
    const running = new Set<string>();
    const runs = new Map<string, number>();
    let overlaps = 0;
    let pendingAdds = 0;
    let tick = 0;
    const lastAdd = new Map<string, number>();
    const lastStart = new Map<string, number>();
    const keys = ['a', 'b', 'c'];
    const worker = async () => {
      for (;;) {
        const key = await queue.get();
        if (key === undefined) return;
        if (running.has(key)) overlaps++;
        running.add(key);
        lastStart.set(key, tick++);
        // Hold the key across a macrotask, so many adds (and idle workers) interleave with this "reconcile".
        await new Promise((r) => setImmediate(r));
        runs.set(key, (runs.get(key) ?? 0) + 1);
        running.delete(key);
        queue.done(key);
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    for (let round = 0; round < 200; round++) {
      const key = keys[round % keys.length]!;
      queue.add(key);
      lastAdd.set(key, tick++);
      pendingAdds++;
      if (round % 7 === 0) await new Promise((r) => setImmediate(r));
    }
    while (queue.len() > 0 || queue.inFlight() > 0) await new Promise((r) => setImmediate(r));
    await queue.shutDown();
    await Promise.all(workers);
    expect(overlaps).toBe(0);
    // Adds arrived while keys were in flight, so keys ran more than once: the test exercised re-adds.
    expect([...runs.values()].some((n) => n > 1)).toBe(true);
    // Every key ran at least once after its last add: nothing an add asked for was lost.
    for (const key of keys) expect(lastStart.get(key)).toBeGreaterThan(lastAdd.get(key)!);
    // Coalescing means fewer runs than adds, never more.
    expect([...runs.values()].reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(pendingAdds);
  });

  it('runs a key added during its processing once more afterwards (no lost update)', async () => {
    const { queue } = newQueue();
    queue.add('a');
    const first = await queue.get();
    queue.add('a');
    queue.done(first!);
    expect(await queue.get()).toBe('a');
    queue.done('a');
    expect(queue.len()).toBe(0);
  });

  it('addAfter waits for the delay; the earliest pending delay wins', () => {
    const { clock, queue } = newQueue();
    queue.addAfter('a', 1000);
    queue.addAfter('a', 300);
    queue.addAfter('a', 5000);
    clock.advance(299);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(queue.len()).toBe(1);
    clock.advance(10_000);
    expect(queue.len()).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('addAfter with no delay adds at once', () => {
    const { queue } = newQueue();
    queue.addAfter('a', 0);
    expect(queue.len()).toBe(1);
  });

  it('addRateLimited backs off exponentially per key and forget resets it', () => {
    const { clock, queue } = newQueue();
    queue.addRateLimited('a');
    clock.advance(99);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(queue.len()).toBe(1);

    queue.addRateLimited('b');
    queue.addRateLimited('b');
    expect(queue.numRequeues('b')).toBe(2);
    queue.forget('b');
    expect(queue.numRequeues('b')).toBe(0);
    queue.addRateLimited('b');
    // 'b' had pending delays of 100 and 200; after forget the next is 100 again: it is due at 100.
    clock.advance(100);
    expect(queue.len()).toBe(2);
  });

  it('shutDown wakes idle workers, drops waiting work and waits for work in flight', async () => {
    const { clock, queue } = newQueue();
    queue.add('busy');
    const busy = await queue.get();
    queue.add('waiting');
    queue.addAfter('later', 100);
    const idle = queue.get();
    // 'waiting' went to the idle worker; take another idle get that has nothing.
    expect(await idle).toBe('waiting');
    queue.done('waiting');
    const idleAgain = queue.get();

    let drained = false;
    const shutdown = queue.shutDown().then(() => {
      drained = true;
    });
    expect(await idleAgain).toBeUndefined();
    expect(await queue.get()).toBeUndefined();
    queue.add('new');
    clock.advance(1000);
    expect(queue.len()).toBe(0);
    await Promise.resolve();
    expect(drained).toBe(false);
    queue.done(busy!);
    await shutdown;
    expect(drained).toBe(true);
    await queue.shutDown();
  });

  it('reports depth, adds, retries, queue latency and work duration', async () => {
    const clock = new FakeClock();
    const seen = {
      depth: [] as number[],
      added: 0,
      retried: 0,
      latency: [] as number[],
      work: [] as number[],
    };
    const metrics: WorkQueueMetrics = {
      depth: (v) => seen.depth.push(v),
      added: () => seen.added++,
      retried: () => seen.retried++,
      queueLatency: (s) => seen.latency.push(s),
      workDuration: (s) => seen.work.push(s),
    };
    const queue = new WorkQueue({
      clock,
      metrics,
      rateLimiter: new ExponentialBackoff({ baseDelayMs: 50, random: () => 0 }),
    });
    queue.add('a');
    queue.add('a');
    expect(seen.depth.at(-1)).toBe(1);
    clock.advance(2000);
    const key = await queue.get();
    expect(seen.depth.at(-1)).toBe(0);
    expect(seen.latency).toEqual([2]);
    clock.advance(500);
    queue.done(key!);
    expect(seen.work).toEqual([0.5]);
    queue.addRateLimited('a');
    expect(seen.retried).toBe(1);
    clock.advance(50);
    expect(seen.added).toBe(3);
  });
});
