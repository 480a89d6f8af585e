// Issue 3 (operator overhead): a new VMSnapshot reaches the driver in ONE reconcile (AddFinalizer, TakeHold and
// Create decided one after the other from the objects the writes returned), and the driver is told whether an
// earlier attempt may exist (mayExist), so a first attempt can skip the crash-recovery look-ups.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDriverFactory } from '../../src/drivers/factory.ts';
import { type CreateSnapshotRequest, DriverError } from '../../src/drivers/port.ts';
import { eventually } from '../support/client-node.ts';
import { OperatorEnv, statusOf } from './support/operator-env.ts';
import { recordingCreates } from './support/recording-driver.ts';

interface LogLine {
  msg: string;
  step?: string;
  reconcileID?: string;
  object?: { name?: string };
}

describe('VMSnapshot: one reconcile from creation to the driver call', () => {
  let env: OperatorEnv;
  const written: string[] = [];
  /** Every createSnapshot request the operator sent, in order. */
  const requests: CreateSnapshotRequest[] = [];

  beforeAll(async () => {
    env = await OperatorEnv.start();
    env.sim('kvm-hop').defineDomain({ name: 'app-1', phase: 'Running' });
    env.sim('kvm-hop').defineDomain({ name: 'app-2', phase: 'Running' });
    const sims = createDriverFactory({ simHosts: env.sims });
    const logger = pino({ level: 'info' }, { write: (line: string) => written.push(line) });
    await env.startOperator({
      logger,
      driverFactory: (connection) => recordingCreates(sims(connection), requests),
    });
    await env.createHypervisor('kvm-hop');
    await env.createVm('app-1', { hypervisorName: 'kvm-hop', domain: 'app-1' });
    await env.createVm('app-2', { hypervisorName: 'kvm-hop', domain: 'app-2' });
    // Observed first: a snapshot of a VM not yet observed waits (VMNotObserved) instead of taking the hold.
    for (const vm of ['app-1', 'app-2']) {
      await eventually(async () => statusOf(await env.getVm(vm)).phase === 'Running', `${vm} observed`);
    }
  });

  afterAll(async () => {
    await env?.stop();
  });

  const stepsOf = (name: string): LogLine[] =>
    written
      .flatMap((chunk) => chunk.split('\n').filter(Boolean))
      .map((l) => JSON.parse(l) as LogLine)
      .filter((l) => l.msg === 'snapshot step' && l.object?.name === name);

  it('adds the finalizer, takes the hold and calls the driver in the same reconcile, as a first attempt', async () => {
    await env.createSnapshot('one-hop', { vmName: 'app-1', memory: true });
    await env.snapshotInPhase('one-hop', 'Ready');
    const steps = stepsOf('one-hop');
    const first = steps.find((l) => l.step === 'AddFinalizer');
    expect(first?.reconcileID).toBeDefined();
    const sameReconcile = steps.filter((l) => l.reconcileID === first?.reconcileID).map((l) => l.step);
    expect(sameReconcile).toEqual(['AddFinalizer', 'TakeHold', 'Create']);
    const sent = requests.filter((r) => r.owner.name === 'one-hop');
    expect(sent.map((r) => r.mayExist)).toEqual([false]);
  });

  it('tells the driver an earlier attempt may exist when it retries after a failed call', async () => {
    env.sim('kvm-hop').injectFault('beforeCreate', {
      domain: 'app-2',
      error: new DriverError('HypervisorUnreachable', 'injected: connection lost', { retryable: true }),
    });
    await env.createSnapshot('retried', { vmName: 'app-2', memory: true });
    await env.snapshotInPhase('retried', 'Ready');
    const sent = requests.filter((r) => r.owner.name === 'retried');
    expect(sent.map((r) => r.mayExist)).toEqual([false, true]);
  });
});
