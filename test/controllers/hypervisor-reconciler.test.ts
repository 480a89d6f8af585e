import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HYPERVISORS } from '../../src/controllers/shared/resources.ts';
import { eventually } from '../support/client-node.ts';
import { conditionOf, OperatorEnv, statusOf } from './support/operator-env.ts';

describe('Hypervisor reconciler', () => {
  let env: OperatorEnv;
  const hypervisor = (name: string) => env.client.find(HYPERVISORS, { name });

  beforeAll(async () => {
    env = await OperatorEnv.start();
    env.sim('lab-1', { version: 'sim 1.0' });
    await env.startOperator();
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('reports version, probed capabilities, Ready and observedGeneration', async () => {
    await env.createHypervisor('lab-1');
    const ready = await eventually(async () => {
      const obj = await hypervisor('lab-1');
      return conditionOf(obj, 'Ready')?.status === 'True' ? obj : undefined;
    }, 'lab-1 Ready');
    expect(statusOf(ready).version).toBe('sim 1.0');
    expect(statusOf(ready).capabilities).toMatchObject({ memorySnapshots: true });
    expect(statusOf(ready).observedGeneration).toBe(ready?.metadata.generation);
    expect(conditionOf(ready, 'Ready')?.reason).toBe('Connected');
  });

  it('says HypervisorUnreachable with the driver message while the endpoint does not answer, then recovers', async () => {
    const sim = env.sim('lab-2');
    sim.injectFault('unreachable', { times: Infinity });
    await env.createHypervisor('lab-2');
    const down = await eventually(async () => {
      const obj = await hypervisor('lab-2');
      return conditionOf(obj, 'Ready')?.status === 'False' ? obj : undefined;
    }, 'lab-2 not Ready');
    expect(conditionOf(down, 'Ready')?.reason).toBe('HypervisorUnreachable');
    expect(conditionOf(down, 'Ready')?.message).toContain('connection lost');
    sim.clearFaults();
    await eventually(
      async () => conditionOf(await hypervisor('lab-2'), 'Ready')?.status === 'True',
      'lab-2 Ready after the fault clears (backoff retry)',
    );
  });

  it('reads credentials only from the Secret named by credentialsSecretRef, and says when it is missing', async () => {
    env.sim('lab-3');
    await env.createHypervisor('lab-3', {
      credentialsSecretRef: { namespace: 'default', name: 'no-such-secret' },
    });
    const missing = await eventually(async () => {
      const obj = await hypervisor('lab-3');
      return conditionOf(obj, 'Ready')?.status === 'False' ? obj : undefined;
    }, 'lab-3 not Ready');
    expect(conditionOf(missing, 'Ready')?.reason).toBe('CredentialsNotFound');
    expect(conditionOf(missing, 'Ready')?.message).toContain('default/no-such-secret');
  });
});
