import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { KubeClient } from '../../src/runtime/kube-client.ts';
import {
  LeaderElector,
  type LeaderElectorOptions,
  type LeadershipEnd,
} from '../../src/runtime/leader-election.ts';
import { LEASES, type Lease, microTime } from '../../src/runtime/lease.ts';
import { kubeConfigFor } from '../support/client-node.ts';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { FakeClock } from './fake-clock.ts';
import { LeadershipLog, partitionable } from './leader-election-support.ts';

// Short timings in controller-runtime's proportions (15 s / 10 s / 2 s), so a takeover takes about two seconds.
const FAST = { leaseDurationSeconds: 2, renewDeadlineMs: 1200, retryPeriodMs: 200 };
// For tests where the leader must keep leading: a deadline no load on a shared 2-core machine reaches.
const STEADY = { leaseDurationSeconds: 30, renewDeadlineMs: 20_000, retryPeriodMs: 200 };
const NS = 'default';

describe('LeaderElector against the embedded control plane', () => {
  let controlPlane: TestControlPlane;
  let client: KubeClient;
  const stops: AbortController[] = [];
  const runs: Array<Promise<LeadershipEnd>> = [];

  beforeAll(async () => {
    controlPlane = await startTestControlPlane();
    client = new KubeClient(kubeConfigFor(controlPlane), { fieldManager: 'leader-election-test' });
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop.abort();
    await Promise.allSettled(runs.splice(0));
  });
  afterAll(async () => {
    await controlPlane?.stop();
  });

  function elector(identity: string, name: string, options: Partial<LeaderElectorOptions> = {}) {
    return new LeaderElector({ client, namespace: NS, name, identity, ...FAST, ...options });
  }

  function start(log: LeadershipLog, e: LeaderElector) {
    const stop = new AbortController();
    stops.push(stop);
    const run = log.run(e, stop.signal);
    runs.push(run);
    return { stop, run };
  }

  const lease = (name: string) => client.get<Lease>(LEASES, { namespace: NS, name });

  it('lets exactly one of two candidates lead, and keeps it leading while it renews', async () => {
    const log = new LeadershipLog();
    const a = elector('a', 'one-of-two', STEADY);
    const b = elector('b', 'one-of-two', STEADY);
    start(log, a);
    start(log, b);
    await vi.waitFor(() => expect(log.current()).toHaveLength(1), { timeout: 5000 });
    const leader = log.current()[0]!;
    const renewTimes = new Set<string>();
    // Several lease durations: the standby must keep seeing fresh renewals and never take over.
    await vi.waitFor(
      async () => {
        renewTimes.add((await lease('one-of-two')).spec?.renewTime ?? '');
        expect(renewTimes.size).toBeGreaterThanOrEqual(6);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(log.current()).toEqual([leader]);
    expect(log.intervals).toHaveLength(1);
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    const spec = (await lease('one-of-two')).spec;
    expect(spec).toMatchObject({ holderIdentity: leader, leaseDurationSeconds: 30, leaseTransitions: 0 });
    expect(spec?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('stops a leader cut off from the API server before the standby takes over after the lease expires', async () => {
    const log = new LeadershipLog();
    const cutOff = partitionable(client);
    const first = elector('first', 'dies', { client: cutOff.client });
    const firstRun = start(log, first).run;
    await vi.waitFor(() => expect(log.current()).toEqual(['first']), { timeout: 5000 });
    start(log, elector('second', 'dies'));

    cutOff.cut();
    await vi.waitFor(() => expect(log.current()).toEqual(['second']), { timeout: 10_000 });
    // The cut-off leader gave up on its own (hanging requests and all), and did so before the takeover.
    await expect(firstRun).resolves.toBe('lost');
    log.assertNoOverlap();
    expect(log.intervals.map((i) => i.identity)).toEqual(['first', 'second']);
    expect((await lease('dies')).spec).toMatchObject({ holderIdentity: 'second', leaseTransitions: 1 });
  });

  it('hands over at once when the leader releases the lease on shutdown', async () => {
    // A 30 s lease, far longer than the wait below: only the release can explain a takeover in time.
    const log = new LeadershipLog();
    const first = start(log, elector('first', 'release', STEADY));
    await vi.waitFor(() => expect(log.current()).toEqual(['first']), { timeout: 5000 });
    start(log, elector('second', 'release', STEADY));
    await vi.waitFor(async () => expect((await lease('release')).spec?.holderIdentity).toBe('first'));

    first.stop.abort();
    await expect(first.run).resolves.toBe('stopped');
    await vi.waitFor(() => expect(log.current()).toEqual(['second']), { timeout: 5000 });
    log.assertNoOverlap();
    expect((await lease('release')).spec).toMatchObject({ holderIdentity: 'second', leaseTransitions: 1 });
  });

  it('never has two leaders while leaders die and shut down in turn', async () => {
    const log = new LeadershipLog();
    const candidates = ['c1', 'c2', 'c3'].map((id) => {
      const cutOff = partitionable(client);
      return { id, cutOff, ...start(log, elector(id, 'churn', { client: cutOff.client })) };
    });
    for (let round = 0; round < 2; round++) {
      await vi.waitFor(() => expect(log.current()).toHaveLength(1), { timeout: 10_000 });
      const leader = candidates.find((c) => c.id === log.current()[0])!;
      if (round === 0) leader.cutOff.cut();
      else leader.stop.abort();
      await leader.run;
      await vi.waitFor(() => expect(log.current().filter((id) => id !== leader.id)).toHaveLength(1), {
        timeout: 10_000,
      });
    }
    log.assertNoOverlap();
    expect(new Set(log.intervals.map((i) => i.identity)).size).toBe(3);
  });

  it('measures expiry from when it first saw the record, not from the renewTime written in it', async () => {
    // A holder whose renewTime is an hour old: by the written time it expired long ago, but this process has
    // only just seen the record, so it must wait a full lease duration of its own.
    await client.create<Lease>(LEASES, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { namespace: NS, name: 'stale' },
      spec: {
        holderIdentity: 'ghost',
        leaseDurationSeconds: 10,
        acquireTime: microTime(new Date(Date.now() - 3_600_000)),
        renewTime: microTime(new Date(Date.now() - 3_600_000)),
        leaseTransitions: 4,
      },
    });
    const clock = new FakeClock();
    const counting = partitionable(client);
    const log = new LeadershipLog();
    const candidate = elector('late', 'stale', {
      client: counting.client,
      clock,
      random: () => 0,
      leaseDurationSeconds: 15,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2000,
    });
    start(log, candidate);
    // Step the fake clock one retry period at a time, each time once the previous attempt has returned and its
    // retry timer is the only one pending.
    let answered = 0;
    const step = async () => {
      answered++;
      await vi.waitFor(() => {
        expect(counting.settled()).toBeGreaterThanOrEqual(answered);
        expect(clock.pendingTimers()).toBe(1);
      });
      clock.advance(2000);
    };
    for (let elapsed = 2000; elapsed <= 8000; elapsed += 2000) {
      await step();
      expect(candidate.isLeader()).toBe(false);
    }
    await step(); // 10 s after first sight: the ghost's 10 s lease has run out
    await vi.waitFor(() => expect(candidate.isLeader()).toBe(true));
    expect((await lease('stale')).spec).toMatchObject({ holderIdentity: 'late', leaseTransitions: 5 });
  });

  it('rejects timings under which two replicas could lead at once', () => {
    expect(() => elector('x', 'bad', { leaseDurationSeconds: 1, renewDeadlineMs: 1000 })).toThrow(
      /renewDeadlineMs \(1000\) must be shorter than the lease duration/,
    );
    expect(() => elector('x', 'bad', { renewDeadlineMs: 200, retryPeriodMs: 200 })).toThrow(
      /must exceed 1.2 x retryPeriodMs/,
    );
    expect(() => elector('', 'bad')).toThrow(/identity must not be empty/);
  });
});
