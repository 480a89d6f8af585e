// A VMSnapshot whose driver keeps failing with a retryable error is retried on the work queue's backoff, not on
// the watch events of its own status writes. Seen before the fix with the vSphere simulator failing: a retry
// every 20-30 ms, because each attempt wrote the status twice (InProgress, then the error) and each write came
// back as a watch event that queued the key at once, around the rate limiter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriverError } from '../../src/drivers/port.ts';
import { eventually } from '../support/client-node.ts';
import { conditionOf, OperatorEnv, statusOf } from './support/operator-env.ts';

/** The queue's default backoff (src/runtime/rate-limiter.ts): 5 ms doubling per failure, up to 10 % less (jitter). */
const BASE_DELAY_MS = 5;
const JITTER = 0.1;

/** How many attempts the backoff allows within `windowMs` after a first failed attempt (itself included). */
function attemptsAllowedWithin(windowMs: number): number {
  let attempts = 1;
  let earliestNext = 0;
  for (let failures = 0; ; failures++) {
    earliestNext += BASE_DELAY_MS * 2 ** failures * (1 - JITTER);
    if (earliestNext > windowMs) return attempts;
    attempts++;
  }
}

describe('VMSnapshot: a driver that keeps failing is retried with backoff', () => {
  let env: OperatorEnv;

  beforeAll(async () => {
    env = await OperatorEnv.start();
    env.sim('kvm-retry').defineDomain({ name: 'flaky-1', phase: 'Running' });
    await env.startOperator();
    await env.createHypervisor('kvm-retry');
    await env.createVm('flaky-1', { hypervisorName: 'kvm-retry', domain: 'flaky-1' });
    await eventually(
      async () => statusOf(await env.getVm('flaky-1')).phase === 'Running',
      'flaky-1 observed',
    );
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('makes no more driver calls over a window than the backoff allows, then succeeds once the fault clears', async () => {
    const sim = env.sim('kvm-retry');
    sim.injectFault('beforeCreate', {
      domain: 'flaky-1',
      times: Number.POSITIVE_INFINITY,
      error: new DriverError('HypervisorUnreachable', 'injected: connection refused', { retryable: true }),
    });
    const attempts = () =>
      sim.recorder.log.filter((r) => r.operation === 'createSnapshot' && r.domain === 'flaky-1');
    await env.createSnapshot('flaky', { vmName: 'flaky-1', memory: true });
    await eventually(() => attempts().some((r) => r.outcome === 'error'), 'a first failed attempt');

    const windowMs = 1_500;
    const windowStart = Date.now();
    const before = attempts().length;
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    // Counted over at least windowMs (a slow machine only makes the window longer, so fewer attempts fit in).
    const elapsed = Date.now() - windowStart;
    const during = attempts().length - before;
    // Slack of 3 for wakes that are not retries: the VM's own status writes while the hold is taken wake the
    // holder, and each such reconcile is one more attempt.
    expect(during).toBeLessThanOrEqual(attemptsAllowedWithin(elapsed) + 3);

    const retrying = await env.getSnapshot('flaky');
    expect(statusOf(retrying).phase).toBe('InProgress');
    expect(conditionOf(retrying, 'Ready')?.reason).toBe('HypervisorUnreachable');

    sim.clearFaults();
    await eventually(
      async () => (statusOf(await env.getSnapshot('flaky')).phase === 'Ready' ? true : undefined),
      'Ready once the fault cleared',
      30_000,
    );
    expect(attempts().filter((r) => r.outcome === 'ok')).toHaveLength(1);
  }, 60_000);
});
