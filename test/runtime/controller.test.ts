import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { Controller, type ReconcileContext, type ReconcileResult } from '../../src/runtime/controller.ts';
import type { ControllerMetrics, ReconcileOutcome } from '../../src/runtime/controller-metrics.ts';
import { ExponentialBackoff } from '../../src/runtime/rate-limiter.ts';
import { TerminalError } from '../../src/runtime/terminal-error.ts';
import { WorkQueue } from '../../src/runtime/work-queue.ts';
import { FakeClock } from './fake-clock.ts';
import { FakeSource, type TestObject } from './fake-source.ts';

type Step = (key: string, ctx: ReconcileContext) => Promise<ReconcileResult>;

/** A controller over a FakeSource whose reconciler follows a script per key and records every call. */
function setup(
  options: { script?: Record<string, Step[]>; resyncIntervalMs?: number; workers?: number } = {},
) {
  const clock = new FakeClock();
  const queue = new WorkQueue({
    clock,
    rateLimiter: new ExponentialBackoff({ baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0 }),
  });
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const outcomes: ReconcileOutcome[] = [];
  const metrics: ControllerMetrics = {
    reconciled: (_c, outcome) => outcomes.push(outcome),
    activeWorkers() {},
  };
  const calls: Array<{ key: string; ctx: ReconcileContext }> = [];
  const primary = new FakeSource();
  let ids = 0;
  const controller = new Controller<TestObject>({
    name: 'test',
    primary,
    logger,
    clock,
    queue,
    metrics,
    workers: options.workers ?? 2,
    resyncIntervalMs: options.resyncIntervalMs ?? 0,
    newReconcileID: () => `r${++ids}`,
    reconcile: async (key, ctx) => {
      calls.push({ key, ctx });
      const step = options.script?.[key]?.shift();
      return step ? step(key, ctx) : {};
    },
  });
  return { clock, queue, logs, outcomes, calls, primary, controller };
}

const fail: Step = async () => {
  throw new Error('hypervisor unreachable');
};
const terminal: Step = async () => {
  throw new TerminalError('spec.vmName names no VirtualMachine');
};
const ok: Step = async () => ({});
const obj = (name: string, namespace = 'prod'): TestObject => ({ metadata: { name, namespace } });

describe('Controller', () => {
  it('waits for its sources to sync before reconciling, then reconciles keys of primary objects', async () => {
    const t = setup();
    t.primary.upsert(obj('a'));
    const started = t.controller.start();
    await new Promise((r) => setImmediate(r));
    expect(t.calls).toHaveLength(0);
    t.primary.sync();
    await started;
    await vi.waitFor(() => expect(t.outcomes).toEqual(['success']));
    expect(t.calls.map((c) => c.key)).toEqual(['prod/a']);
    await t.controller.stop();
  });

  it('retries a thrown error with backoff and forgets the failures after success', async () => {
    const t = setup({ script: { 'prod/a': [fail, fail, ok] } });
    t.primary.sync();
    await t.controller.start();
    t.primary.upsert(obj('a'));
    await vi.waitFor(() => expect(t.outcomes).toEqual(['error']));
    expect(t.queue.numRequeues('prod/a')).toBe(1);
    t.clock.advance(99);
    await new Promise((r) => setImmediate(r));
    expect(t.calls).toHaveLength(1);
    t.clock.advance(1);
    await vi.waitFor(() => expect(t.outcomes).toEqual(['error', 'error']));
    // The second failure waits twice as long.
    t.clock.advance(199);
    await new Promise((r) => setImmediate(r));
    expect(t.calls).toHaveLength(2);
    t.clock.advance(1);
    await vi.waitFor(() => expect(t.outcomes).toEqual(['error', 'error', 'success']));
    expect(t.queue.numRequeues('prod/a')).toBe(0);
    await t.controller.stop();
  });

  it('retries a failing key on its backoff, not on the status-only updates its attempts write', async () => {
    const t = setup({ script: { 'prod/a': [fail, fail, ok] } });
    t.primary.sync();
    await t.controller.start();
    t.primary.upsert(obj('a'));
    await vi.waitFor(() => expect(t.outcomes).toEqual(['error']));
    // The echo of the failed attempt's status write (the error it recorded) arrives while the key backs off.
    t.primary.upsert({ ...obj('a'), status: { error: 'unreachable' } });
    await new Promise((r) => setImmediate(r));
    expect(t.calls).toHaveLength(1);
    t.clock.advance(100);
    await vi.waitFor(() => expect(t.outcomes).toEqual(['error', 'error']));
    t.primary.upsert({ ...obj('a'), status: { error: 'unreachable again' } });
    await new Promise((r) => setImmediate(r));
    expect(t.calls).toHaveLength(2);
    t.clock.advance(200);
    await vi.waitFor(() => expect(t.outcomes).toEqual(['error', 'error', 'success']));
    // Once it succeeded, a status update wakes it as always.
    t.primary.upsert({ ...obj('a'), status: { phase: 'Ready' } });
    await vi.waitFor(() => expect(t.outcomes).toHaveLength(4));
    await t.controller.stop();
  });

  it('queues a backing-off key at once when more than its status changed', async () => {
    const t = setup({ script: { 'prod/a': [fail, ok] } });
    t.primary.sync();
    await t.controller.start();
    t.primary.upsert(obj('a'));
    await vi.waitFor(() => expect(t.outcomes).toEqual(['error']));
    // A deletion (or a spec, label or finalizer change) must not wait out the backoff.
    t.primary.upsert({
      metadata: { name: 'a', namespace: 'prod', deletionTimestamp: '2026-11-25T00:00:00Z' },
    } as never);
    await vi.waitFor(() => expect(t.outcomes).toEqual(['error', 'success']));
    await t.controller.stop();
  });

  it('queues a status-only update held back during a retry once that retry succeeds', async () => {
    let release!: () => void;
    const t = setup({
      script: {
        'prod/a': [
          fail,
          async () => {
            await new Promise<void>((r) => {
              release = r;
            });
            return {};
          },
        ],
      },
    });
    t.primary.sync();
    await t.controller.start();
    t.primary.upsert(obj('a'));
    await vi.waitFor(() => expect(t.outcomes).toEqual(['error']));
    t.clock.advance(100);
    await vi.waitFor(() => expect(t.calls).toHaveLength(2));
    // The retry writes a status (say Ready) whose next step needs its own reconcile; it arrives mid-retry.
    t.primary.upsert({ ...obj('a'), status: { phase: 'Ready' } });
    release();
    await vi.waitFor(() => expect(t.outcomes).toEqual(['error', 'success', 'success']));
    await t.controller.stop();
  });

  it('counts a TerminalError and does not retry it', async () => {
    const t = setup({ script: { 'prod/a': [terminal] } });
    t.primary.sync();
    await t.controller.start();
    t.primary.upsert(obj('a'));
    await vi.waitFor(() => expect(t.outcomes).toEqual(['terminal_error']));
    t.clock.advance(1_000_000);
    await new Promise((r) => setImmediate(r));
    expect(t.calls).toHaveLength(1);
    expect(t.clock.pendingTimers()).toBe(0);
    const logged = t.logs.find((l) => l.msg === 'reconcile failed terminally; not retrying');
    expect(logged?.err).toMatchObject({ message: 'spec.vmName names no VirtualMachine' });
    // A change to the object brings the key back.
    t.primary.upsert(obj('a'));
    await vi.waitFor(() => expect(t.outcomes).toEqual(['terminal_error', 'success']));
    await t.controller.stop();
  });

  it('requeues after the requested delay', async () => {
    const t = setup({ script: { 'prod/a': [async () => ({ requeueAfterMs: 30_000 })] } });
    t.primary.sync();
    await t.controller.start();
    t.controller.enqueue('prod/a');
    await vi.waitFor(() => expect(t.outcomes).toEqual(['requeue_after']));
    t.clock.advance(29_999);
    await new Promise((r) => setImmediate(r));
    expect(t.calls).toHaveLength(1);
    t.clock.advance(1);
    await vi.waitFor(() => expect(t.outcomes).toEqual(['requeue_after', 'success']));
    await t.controller.stop();
  });

  it('treats a nonsensical requeueAfterMs as an error', async () => {
    const t = setup({ script: { 'prod/a': [async () => ({ requeueAfterMs: -5 })] } });
    t.primary.sync();
    await t.controller.start();
    t.controller.enqueue('prod/a');
    await vi.waitFor(() => expect(t.outcomes).toEqual(['error']));
    expect(
      t.logs.some((l) => String((l.err as { message?: string })?.message).includes('requeueAfterMs=-5')),
    ).toBe(true);
    await t.controller.stop();
  });

  it('gives each reconcile a logger bound to controller, key and a fresh reconcileID', async () => {
    const t = setup({
      script: {
        'prod/a': [
          async (_key, ctx) => {
            ctx.log.info('inside');
            return {};
          },
          async (_key, ctx) => {
            ctx.log.info('inside');
            return {};
          },
        ],
      },
    });
    t.primary.sync();
    await t.controller.start();
    t.controller.enqueue('prod/a');
    await vi.waitFor(() => expect(t.outcomes).toHaveLength(1));
    t.controller.enqueue('prod/a');
    await vi.waitFor(() => expect(t.outcomes).toHaveLength(2));
    const inside = t.logs.filter((l) => l.msg === 'inside');
    expect(inside).toMatchObject([
      { controller: 'test', key: 'prod/a', reconcileID: 'r1' },
      { controller: 'test', key: 'prod/a', reconcileID: 'r2' },
    ]);
    await t.controller.stop();
  });

  it('maps related objects to primary keys through the mapper', async () => {
    const t = setup();
    const vms = new FakeSource();
    t.controller.watch(vms, (vm) => [`${vm.metadata.namespace}/snap-of-${vm.metadata.name}`, 'prod/other']);
    t.primary.sync();
    vms.sync();
    await t.controller.start();
    vms.upsert(obj('web-1'));
    await vi.waitFor(() =>
      expect(t.calls.map((c) => c.key).sort()).toEqual(['prod/other', 'prod/snap-of-web-1']),
    );
    await t.controller.stop();
    expect(vms.subscribers()).toBe(0);
    expect(() => t.controller.watch(vms, () => [])).toThrow(/before start/);
  });

  it('resyncs every primary key periodically', async () => {
    const t = setup({ resyncIntervalMs: 60_000 });
    t.primary.upsert(obj('a'));
    t.primary.upsert(obj('b', 'dev'));
    t.primary.sync();
    await t.controller.start();
    await vi.waitFor(() => expect(t.calls).toHaveLength(2));
    t.clock.advance(60_000);
    await vi.waitFor(() => expect(t.calls).toHaveLength(4));
    t.clock.advance(60_000);
    await vi.waitFor(() => expect(t.calls).toHaveLength(6));
    expect(new Set(t.calls.map((c) => c.key))).toEqual(new Set(['prod/a', 'dev/b']));
    await t.controller.stop();
    expect(t.clock.pendingTimers()).toBe(0);
  });

  it('stop waits for reconciles in flight, aborts their signal and takes no new keys', async () => {
    let release!: () => void;
    let sawAbort = false;
    const t = setup({
      script: {
        'prod/slow': [
          async (_key, ctx) => {
            await new Promise<void>((r) => {
              release = r;
            });
            sawAbort = ctx.signal.aborted;
            return {};
          },
        ],
      },
    });
    t.primary.sync();
    await t.controller.start();
    t.controller.enqueue('prod/slow');
    await vi.waitFor(() => expect(t.calls).toHaveLength(1));
    let stopped = false;
    const stopping = t.controller.stop().then(() => {
      stopped = true;
    });
    t.controller.enqueue('prod/late');
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(sawAbort).toBe(true);
    expect(t.calls.map((c) => c.key)).toEqual(['prod/slow']);
  });

  it('never runs one key on two workers at once', async () => {
    let running = 0;
    let maxRunning = 0;
    const slow: Step = async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return {};
    };
    const t = setup({ workers: 4, script: { 'prod/a': Array.from({ length: 50 }, () => slow) } });
    t.primary.sync();
    await t.controller.start();
    for (let i = 0; i < 50; i++) {
      t.controller.enqueue('prod/a');
      await new Promise((r) => setImmediate(r));
    }
    await vi.waitFor(() => expect(t.queue.len() + t.queue.inFlight()).toBe(0));
    expect(maxRunning).toBe(1);
    expect(t.calls.length).toBeGreaterThan(1);
    await t.controller.stop();
  });

  it('rejects a bad worker count', () => {
    expect(
      () =>
        new Controller({
          name: 'bad',
          primary: new FakeSource(),
          logger: pino({ level: 'silent' }),
          workers: 0,
          reconcile: async () => ({}),
        }),
    ).toThrow(/workers must be a positive integer/);
  });
});
