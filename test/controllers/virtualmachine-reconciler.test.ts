import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIRTUAL_MACHINES, VM_SNAPSHOTS } from '../../src/controllers/shared/resources.ts';
import { eventually } from '../support/client-node.ts';
import { conditionOf, NAMESPACE, OperatorEnv, statusOf } from './support/operator-env.ts';

describe('VirtualMachine reconciler', () => {
  let env: OperatorEnv;

  beforeAll(async () => {
    env = await OperatorEnv.start();
    env.sim('kvm-v');
    await env.startOperator();
    await env.createHypervisor('kvm-v');
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('powers a Stopped VM on when spec.powerState is Running, and reports the phase it observes', async () => {
    const domain = env.sim('kvm-v').defineDomain({ name: 'app-1', phase: 'Stopped' });
    await env.createVm('app-1', { hypervisorName: 'kvm-v', domain: 'app-1', powerState: 'Running' });
    const vm = await eventually(async () => {
      const obj = await env.getVm('app-1');
      return statusOf(obj).phase === 'Running' && conditionOf(obj, 'Ready')?.status === 'True'
        ? obj
        : undefined;
    }, 'app-1 Running');
    expect(domain.phase).toBe('Running');
    expect(statusOf(vm).domainUUID).toBe(domain.uuid);
    expect(conditionOf(vm, 'Snapshotting')?.status).toBe('False');
    expect(conditionOf(vm, 'Reverting')?.status).toBe('False');
  });

  it('shuts a Running VM down when spec.powerState is Stopped', async () => {
    const domain = env.sim('kvm-v').defineDomain({ name: 'app-2', phase: 'Running' });
    await env.createVm('app-2', { hypervisorName: 'kvm-v', domain: 'app-2', powerState: 'Stopped' });
    await eventually(async () => {
      const obj = await env.getVm('app-2');
      return statusOf(obj).phase === 'Stopped' && conditionOf(obj, 'Ready')?.status === 'True';
    }, 'app-2 Stopped');
    expect(domain.phase).toBe('Stopped');
    const events = await env.client.listEvents(NAMESPACE);
    expect(events.items.some((e) => e.regarding?.name === 'app-2' && e.reason === 'ShuttingDown')).toBe(true);
  });

  it('reports Unknown phase and DomainNotFound for a domain the hypervisor does not have', async () => {
    await env.createVm('ghost-vm', { hypervisorName: 'kvm-v', domain: 'no-such-domain' });
    const vm = await eventually(async () => {
      const obj = await env.getVm('ghost-vm');
      return conditionOf(obj, 'Ready')?.reason === 'DomainNotFound' ? obj : undefined;
    }, 'DomainNotFound');
    expect(conditionOf(vm, 'Ready')?.status).toBe('False');
    expect(statusOf(vm).phase).toBeUndefined();
  });

  it('resumes a VM an interrupted snapshot left paused (saving) when nothing holds it', async () => {
    const sim = env.sim('kvm-v');
    const domain = sim.defineDomain({ name: 'left-paused', phase: 'Running' });
    sim.setPhase(domain, 'Paused', 'Saving');
    await env.createVm('left-paused', { hypervisorName: 'kvm-v', domain: 'left-paused' });
    await eventually(async () => statusOf(await env.getVm('left-paused')).phase === 'Running', 'resumed');
    expect(domain.phase).toBe('Running');
  });

  it('leaves a held VM alone (condition names the holder), then releases the hold once the holder is deleted', async () => {
    const domain = env.sim('kvm-v').defineDomain({ name: 'box', phase: 'Stopped' });
    await env.createVm('box', { hypervisorName: 'kvm-v', domain: 'box' });
    await eventually(async () => statusOf(await env.getVm('box')).phase === 'Stopped', 'box observed');
    // A holder that exists but works elsewhere: a snapshot of a VM that is not there stays Pending forever.
    const holder = await env.createSnapshot('other-op', { vmName: 'not-here', failureDeadline: '0' });
    await env.client.patchStatus(
      VIRTUAL_MACHINES,
      { namespace: NAMESPACE, name: 'box' },
      {
        type: 'merge',
        body: {
          status: {
            hold: {
              operation: 'Snapshot',
              holder: { kind: 'VMSnapshot', name: 'other-op', uid: holder.metadata.uid },
              since: '2026-11-24T10:00:00Z',
            },
          },
        },
      },
    );
    await env.client.patch(
      VIRTUAL_MACHINES,
      { namespace: NAMESPACE, name: 'box' },
      {
        type: 'merge',
        body: { spec: { powerState: 'Running' } },
      },
    );
    const held = await eventually(async () => {
      const obj = await env.getVm('box');
      return conditionOf(obj, 'Ready')?.reason === 'HeldByVMSnapshot' ? obj : undefined;
    }, 'held condition');
    expect(conditionOf(held, 'Ready')?.message).toContain('"other-op"');
    expect(conditionOf(held, 'Snapshotting')?.status).toBe('True');
    expect(domain.phase).toBe('Stopped');

    await env.client.delete(VM_SNAPSHOTS, { namespace: NAMESPACE, name: 'other-op' });
    const released = await eventually(async () => {
      const obj = await env.getVm('box');
      return statusOf(obj).hold === undefined && statusOf(obj).phase === 'Running' ? obj : undefined;
    }, 'stale hold released and VM powered on');
    expect(conditionOf(released, 'Snapshotting')?.status).toBe('False');
    expect(domain.phase).toBe('Running');
    const events = await env.client.listEvents(NAMESPACE);
    expect(events.items.some((e) => e.regarding?.name === 'box' && e.reason === 'StaleHoldReleased')).toBe(
      true,
    );
  });
});
