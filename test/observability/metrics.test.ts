import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type HealthServer, startHealthServer } from '../../src/observability/health-server.ts';
import { OperatorMetrics } from '../../src/observability/metrics.ts';
import { Controller, type ReconcileResult } from '../../src/runtime/controller.ts';
import { ExponentialBackoff } from '../../src/runtime/rate-limiter.ts';
import { TerminalError } from '../../src/runtime/terminal-error.ts';
import { WorkQueue } from '../../src/runtime/work-queue.ts';
import { FakeClock } from '../runtime/fake-clock.ts';
import { FakeSource } from '../runtime/fake-source.ts';
import { sampleValue, scrape } from './scrape.ts';

const servers: HealthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(metrics: OperatorMetrics, readiness: () => boolean = () => true) {
  const server = await startHealthServer({
    port: 0,
    host: '127.0.0.1',
    registry: metrics.registry,
    readiness,
  });
  servers.push(server);
  return server;
}

describe('controller-runtime metrics', () => {
  it('count what a Controller and its WorkQueue did, as scraped from /metrics', async () => {
    const clock = new FakeClock();
    const metrics = new OperatorMetrics({ clock, processMetrics: false });
    const hooks = metrics.controllers.forController('vmsnapshot', { workers: 2 });
    const happened = { success: 0, error: 0, terminal: 0, requeueAfter: 0, reconciles: 0 };
    const script: Record<string, Array<() => Promise<ReconcileResult>>> = {
      'prod/flaky': [failing, failing],
      'prod/fatal': [terminal],
      'prod/poll': [async () => ({ requeueAfterMs: 60_000 })],
    };
    let releaseSlow: () => void = () => {};
    script['prod/slow'] = [() => new Promise((resolve) => (releaseSlow = () => resolve({})))];

    const primary = new FakeSource();
    const controller = new Controller({
      name: 'vmsnapshot',
      primary,
      logger: pino({ level: 'silent' }),
      clock,
      workers: 2,
      resyncIntervalMs: 0,
      metrics: hooks.controller,
      queue: new WorkQueue({
        clock,
        metrics: hooks.queue,
        rateLimiter: new ExponentialBackoff({ baseDelayMs: 100, random: () => 0 }),
      }),
      reconcile: async (key) => {
        happened.reconciles++;
        try {
          const result: ReconcileResult = await (script[key]?.shift() ?? (async () => ({})))();
          if (result.requeueAfterMs) happened.requeueAfter++;
          else happened.success++;
          return result;
        } catch (error) {
          if (error instanceof TerminalError) happened.terminal++;
          else happened.error++;
          throw error;
        }
      },
    });
    for (const name of ['ok', 'flaky', 'fatal', 'poll'])
      primary.upsert({ metadata: { name, namespace: 'prod' } });
    primary.sync();
    const server = await serve(metrics);

    const before = await scrape(server.url);
    const labels = { controller: 'vmsnapshot' };
    expect(sampleValue(before, 'controller_runtime_reconcile_total', { ...labels, result: 'success' })).toBe(
      0,
    );
    expect(sampleValue(before, 'controller_runtime_max_concurrent_reconciles', labels)).toBe(2);
    expect(sampleValue(before, 'workqueue_depth', { name: 'vmsnapshot' })).toBe(4);

    await controller.start();
    await vi.waitFor(() => expect(happened.reconciles).toBe(4));
    clock.advance(100); // flaky's first retry
    await vi.waitFor(() => expect(happened.reconciles).toBe(5));
    clock.advance(200); // its second retry succeeds
    await vi.waitFor(() => expect(happened.reconciles).toBe(6));
    clock.advance(60_000); // poll comes back
    await vi.waitFor(() => expect(happened.reconciles).toBe(7));

    // A reconcile that runs for 5 s (on the fake clock) shows up while it runs.
    primary.upsert({ metadata: { name: 'slow', namespace: 'prod' } });
    await vi.waitFor(() => expect(happened.reconciles).toBe(8));
    clock.advance(5000);
    const during = await scrape(server.url);
    expect(sampleValue(during, 'controller_runtime_active_workers', labels)).toBe(1);
    expect(sampleValue(during, 'workqueue_longest_running_processor_seconds', { name: 'vmsnapshot' })).toBe(
      5,
    );
    expect(sampleValue(during, 'workqueue_unfinished_work_seconds', { name: 'vmsnapshot' })).toBe(5);
    releaseSlow();
    await vi.waitFor(() => expect(happened.success).toBe(4));
    await controller.stop();

    const after = await scrape(server.url);
    const total = (result: string) =>
      sampleValue(after, 'controller_runtime_reconcile_total', { ...labels, result });
    expect(total('success')).toBe(happened.success);
    expect(total('error')).toBe(happened.error + happened.terminal);
    expect(total('requeue_after')).toBe(happened.requeueAfter);
    expect(total('requeue')).toBe(0);
    expect(sampleValue(after, 'controller_runtime_reconcile_errors_total', labels)).toBe(
      happened.error + happened.terminal,
    );
    expect(sampleValue(after, 'controller_runtime_terminal_reconcile_errors_total', labels)).toBe(
      happened.terminal,
    );
    expect(sampleValue(after, 'controller_runtime_reconcile_time_seconds_count', labels)).toBe(
      happened.reconciles,
    );
    // Only the slow reconcile took longer than 4.5 s, and the histogram uses controller-runtime's buckets.
    const bucket = (le: string) =>
      sampleValue(after, 'controller_runtime_reconcile_time_seconds_bucket', { ...labels, le });
    expect(bucket('0.005')).toBe(happened.reconciles - 1);
    expect(bucket('4.5')).toBe(happened.reconciles - 1);
    expect(bucket('5')).toBe(happened.reconciles);
    expect(bucket('60')).toBe(happened.reconciles);
    expect(sampleValue(after, 'controller_runtime_active_workers', labels)).toBe(0);

    const queue = { name: 'vmsnapshot', controller: 'vmsnapshot' };
    const retries = happened.error; // each plain error is retried once; terminal errors are not
    expect(sampleValue(after, 'workqueue_retries_total', queue)).toBe(retries);
    // Five objects added by the source, plus each retry and each requeue-after coming due.
    expect(sampleValue(after, 'workqueue_adds_total', queue)).toBe(5 + retries + happened.requeueAfter);
    expect(sampleValue(after, 'workqueue_depth', queue)).toBe(0);
    expect(sampleValue(after, 'workqueue_work_duration_seconds_count', queue)).toBe(happened.reconciles);
    expect(sampleValue(after, 'workqueue_queue_duration_seconds_count', queue)).toBe(happened.reconciles);
    expect(sampleValue(after, 'workqueue_longest_running_processor_seconds', queue)).toBe(0);
  });

  it('keeps each process registry apart and refuses to register a controller twice', () => {
    const a = new OperatorMetrics({ processMetrics: false });
    const b = new OperatorMetrics({ processMetrics: false });
    a.controllers.forController('hypervisor');
    b.controllers.forController('hypervisor');
    expect(() => a.controllers.forController('hypervisor')).toThrow(/registered twice/);
  });
});

describe('vmsnap metrics', () => {
  it('report operation durations, operations in flight and the oldest hold', async () => {
    let now = new Date('2026-11-24T10:00:00Z');
    const metrics = new OperatorMetrics({ processMetrics: false, now: () => now });
    const server = await serve(metrics);
    const { vmsnap } = metrics;
    vmsnap.snapshotTaken({ driver: 'libvirt', memory: true, seconds: 42 });
    vmsnap.snapshotTaken({ driver: 'libvirt', memory: true, seconds: 3 });
    vmsnap.snapshotTaken({ driver: 'libvirt', memory: false, seconds: 1 });
    vmsnap.revertCompleted({ driver: 'sim', memory: false, seconds: 7 });
    vmsnap.operationsInFlight('kvm-01', 2);
    vmsnap.operationsInFlight('kvm-02', 1);
    vmsnap.operationsInFlight('kvm-02', 0);
    vmsnap.observeHold('prod/web-1', '2026-11-24T09:58:00Z');
    vmsnap.observeHold('prod/web-2', '2026-11-24T09:59:30Z');

    let samples = await scrape(server.url);
    const snapshot = { driver: 'libvirt', memory: 'true' };
    expect(sampleValue(samples, 'vmsnap_snapshot_duration_seconds_count', snapshot)).toBe(2);
    expect(sampleValue(samples, 'vmsnap_snapshot_duration_seconds_sum', snapshot)).toBe(45);
    expect(sampleValue(samples, 'vmsnap_snapshot_duration_seconds_count', { memory: 'false' })).toBe(1);
    expect(
      sampleValue(samples, 'vmsnap_revert_duration_seconds_count', { driver: 'sim', memory: 'false' }),
    ).toBe(1);
    expect(sampleValue(samples, 'vmsnap_operations_in_flight', { hypervisor: 'kvm-01' })).toBe(2);
    expect(sampleValue(samples, 'vmsnap_operations_in_flight', { hypervisor: 'kvm-02' })).toBe(0);
    expect(sampleValue(samples, 'vmsnap_oldest_hold_age_seconds')).toBe(120);

    // The age grows with time alone, and follows the holds as they are released.
    now = new Date('2026-11-24T10:01:00Z');
    expect(sampleValue(await scrape(server.url), 'vmsnap_oldest_hold_age_seconds')).toBe(180);
    vmsnap.observeHold('prod/web-1', undefined);
    expect(sampleValue(await scrape(server.url), 'vmsnap_oldest_hold_age_seconds')).toBe(90);
    vmsnap.observeHold('prod/web-2', undefined);
    vmsnap.forgetHypervisor('kvm-02');
    samples = await scrape(server.url);
    expect(sampleValue(samples, 'vmsnap_oldest_hold_age_seconds')).toBe(0);
    expect(samples.some((s) => s.labels.hypervisor === 'kvm-02')).toBe(false);
  });

  it('reports leadership as leader_election_master_status', async () => {
    const metrics = new OperatorMetrics({ processMetrics: false });
    const server = await serve(metrics);
    metrics.leaderElection.leading('vmsnap-operator', true);
    expect(
      sampleValue(await scrape(server.url), 'leader_election_master_status', { name: 'vmsnap-operator' }),
    ).toBe(1);
    metrics.leaderElection.leading('vmsnap-operator', false);
    expect(
      sampleValue(await scrape(server.url), 'leader_election_master_status', { name: 'vmsnap-operator' }),
    ).toBe(0);
  });
});

async function failing(): Promise<ReconcileResult> {
  throw new Error('hypervisor unreachable');
}

async function terminal(): Promise<ReconcileResult> {
  throw new TerminalError('spec.vmName names no VirtualMachine');
}
