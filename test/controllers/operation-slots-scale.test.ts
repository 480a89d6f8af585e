import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNAPSHOT_OPERATIONS } from '../../src/drivers/sim/index.ts';
import { eventually } from '../support/client-node.ts';
import { OperatorEnv, statusOf } from './support/operator-env.ts';

const VMS = Array.from({ length: 10 }, (_, i) => `vm-${i}`);

describe('maxConcurrentOperations across many VMs on one hypervisor', () => {
  let env: OperatorEnv;

  beforeAll(async () => {
    env = await OperatorEnv.start();
    const sim = env.sim('kvm-busy', { latencyMs: { createSnapshot: 150 } });
    for (const name of VMS) sim.defineDomain({ name, phase: 'Running' });
    await env.startOperator({ workers: 6 });
    await env.createHypervisor('kvm-busy', { maxConcurrentOperations: 2 });
    for (const name of VMS) await env.createVm(name, { hypervisorName: 'kvm-busy', domain: name });
    await eventually(
      async () =>
        (await Promise.all(VMS.map((n) => env.getVm(n)))).every((vm) => statusOf(vm).phase === 'Running'),
      'all VMs observed',
    );
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('never runs more than 2 snapshot operations at once, and does run them in parallel', async () => {
    await Promise.all(VMS.map((name) => env.createSnapshot(`${name}-snap`, { vmName: name })));
    await eventually(
      async () =>
        (await Promise.all(VMS.map((n) => env.getSnapshot(`${n}-snap`)))).every(
          (s) => statusOf(s).phase === 'Ready',
        ),
      'all ten snapshots Ready',
      30_000,
    );
    const recorder = env.sim('kvm-busy').recorder;
    expect(recorder.log.filter((r) => r.operation === 'createSnapshot' && r.outcome === 'ok')).toHaveLength(
      10,
    );
    expect(recorder.maxInFlight(SNAPSHOT_OPERATIONS)).toBeLessThanOrEqual(2);
    expect(recorder.maxInFlight(SNAPSHOT_OPERATIONS)).toBeGreaterThan(1);
  });
});
