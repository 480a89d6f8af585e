import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiObject, HYPERVISORS } from '../../src/controllers/shared/resources.ts';
import { eventually } from '../support/client-node.ts';
import { conditionOf, OperatorEnv, statusOf } from './support/operator-env.ts';
import { VmStatusLog } from './support/vm-status-log.ts';

describe('VMSnapshot reconciler: failures, deadlines and a crashed operator', () => {
  let env: OperatorEnv;
  let log: VmStatusLog;

  beforeAll(async () => {
    env = await OperatorEnv.start();
    const sim = env.sim('kvm-f', { latencyMs: { createSnapshot: 100 } });
    sim.defineDomain({ name: 'db-1', phase: 'Running' });
    sim.defineDomain({ name: 'idle-1', phase: 'Stopped' });
    log = await VmStatusLog.start(env);
    await env.startOperator();
    await env.createHypervisor('kvm-f');
    await env.createVm('db-1', { hypervisorName: 'kvm-f', domain: 'db-1' });
    await env.createVm('idle-1', { hypervisorName: 'kvm-f', domain: 'idle-1' });
    await eventually(async () => statusOf(await env.getVm('idle-1')).phase === 'Stopped', 'idle-1 observed');
  });

  afterAll(async () => {
    await log?.stop();
    await env?.stop();
  });

  it('waits Pending while the VM does not exist, and reports Stalled once failureDeadline passes', async () => {
    await env.createSnapshot('orphan', { vmName: 'no-such-vm', failureDeadline: '3s' });
    const pending = await eventually(async () => {
      const obj = await env.getSnapshot('orphan');
      return conditionOf(obj, 'Ready')?.reason === 'VMNotFound' ? obj : undefined;
    }, 'Pending with VMNotFound');
    expect(statusOf(pending).phase).toBe('Pending');
    expect(conditionOf(pending, 'Stalled')?.status).toBe('False');
    expect(conditionOf(pending, 'Reconciling')?.status).toBe('True');

    const stalled = await eventually(async () => {
      const obj = await env.getSnapshot('orphan');
      return conditionOf(obj, 'Stalled')?.status === 'True' ? obj : undefined;
    }, 'Stalled at the deadline');
    expect(statusOf(stalled).phase).toBe('Pending');
    expect(conditionOf(stalled, 'Stalled')?.reason).toBe('VMNotFound');
    expect(conditionOf(stalled, 'Stalled')?.message).toContain('failureDeadline 3s passed');
  });

  it('fails a memory snapshot of a stopped VM, leaving no hold and nothing on the hypervisor', async () => {
    await env.createSnapshot('mem-of-stopped', { vmName: 'idle-1', memory: true });
    const failed = await eventually(async () => {
      const obj = await env.getSnapshot('mem-of-stopped');
      return statusOf(obj).phase === 'Failed' ? obj : undefined;
    }, 'Failed');
    expect(conditionOf(failed, 'Stalled')?.reason).toBe('MemoryRequiresRunningVM');
    expect(conditionOf(failed, 'Ready')?.status).toBe('False');
    expect((statusOf(failed).error as { message: string }).message).toContain('Stopped');
    expect(statusOf(await env.getVm('idle-1')).hold).toBeUndefined();
    expect(env.sim('kvm-f').domain('idle-1').records.size).toBe(0);
  });

  it('takes a disk-only snapshot of a stopped VM', async () => {
    await env.createSnapshot('disk-of-stopped', { vmName: 'idle-1' });
    const ready = await eventually(async () => {
      const obj = await env.getSnapshot('disk-of-stopped');
      return statusOf(obj).phase === 'Ready' ? obj : undefined;
    }, 'Ready');
    expect(statusOf(ready).memory).toBe(false);
    expect(statusOf(ready).vmPhase).toBe('Stopped');
  });

  it('converges after the operator dies in the crash window: one snapshot, hold released, VM running', async () => {
    const sim = env.sim('kvm-f');
    const domain = sim.domain('db-1');
    // Every attempt fails until the "new process" starts, so the old one cannot finish the job on a retry.
    sim.injectFault('afterImageWriteBeforeMetadata', { domain: 'db-1', times: Infinity });
    const created = await env.createSnapshot('crash', { vmName: 'db-1', memory: true });
    // The first attempt writes the image, then "loses the connection": the process dies right here.
    await eventually(
      () => sim.recorder.log.some((r) => r.operation === 'createSnapshot' && r.outcome === 'error'),
      'the create attempt to hit the crash window',
    );
    const retrying = await eventually(async () => {
      const obj = await env.getSnapshot('crash');
      return conditionOf(obj, 'Ready')?.reason === 'HypervisorUnreachable' ? obj : undefined;
    }, 'the retryable failure to show in the status');
    expect(statusOf(retrying).phase).toBe('InProgress');
    expect(conditionOf(retrying, 'Reconciling')?.status).toBe('True');
    await env.stopOperator();
    sim.clearFaults();
    expect(domain.records.size).toBe(0);
    expect(domain.image.size).toBe(1);
    const mid = await env.getVm('db-1');
    expect(statusOf(mid).hold).toMatchObject({ holder: { name: 'crash' } });

    await env.startOperator();
    const ready = await eventually(async () => {
      const obj = await env.getSnapshot('crash');
      return statusOf(obj).phase === 'Ready' ? obj : undefined;
    }, 'Ready after restart');
    const vm = await eventually(async () => {
      const obj = await env.getVm('db-1');
      return statusOf(obj).hold === undefined && statusOf(obj).phase === 'Running' ? obj : undefined;
    }, 'hold released and VM running');
    expect(statusOf(vm).currentSnapshot).toBe('crash');
    expect(statusOf(ready).snapshotName).toBe(`vs-${created.metadata.uid}`);
    expect([...domain.records.keys()]).toEqual([`vs-${created.metadata.uid}`]);
    expect([...domain.image.keys()]).toEqual([`vs-${created.metadata.uid}`]);
    expect(domain.phase).toBe('Running');
  });
  it('fails a snapshot beyond the VM spec.maxSnapshots without touching the hypervisor', async () => {
    const sim = env.sim('kvm-f');
    const domain = sim.defineDomain({ name: 'capped', phase: 'Running' });
    await env.createVm('capped', { hypervisorName: 'kvm-f', domain: 'capped', maxSnapshots: 1 });
    await env.createSnapshot('cap-1', { vmName: 'capped' });
    await eventually(async () => statusOf(await env.getSnapshot('cap-1')).phase === 'Ready', 'cap-1 Ready');
    await env.createSnapshot('cap-2', { vmName: 'capped' });
    const failed = await eventually(async () => {
      const obj = await env.getSnapshot('cap-2');
      return statusOf(obj).phase === 'Failed' ? obj : undefined;
    }, 'cap-2 Failed');
    expect(conditionOf(failed, 'Stalled')?.reason).toBe('SnapshotLimitReached');
    expect(domain.records.size).toBe(1);
  });

  it("takes the hypervisor's own per-VM limit as the default of spec.maxSnapshots, and fails before calling it", async () => {
    const sim = env.sim('kvm-cap', { maxSnapshotsPerVM: 2 });
    const domain = sim.defineDomain({ name: 'chain', phase: 'Running' });
    await env.createHypervisor('kvm-cap');
    const probed = await eventually(async () => {
      const hv = await env.client.get<ApiObject>(HYPERVISORS, { name: 'kvm-cap' });
      return conditionOf(hv, 'Ready')?.status === 'True' ? hv : undefined;
    }, 'kvm-cap Ready');
    expect(statusOf(probed).capabilities).toMatchObject({ maxSnapshotsPerVM: 2 });
    await env.createVm('chain', { hypervisorName: 'kvm-cap', domain: 'chain' });
    for (const name of ['chain-1', 'chain-2']) {
      await env.createSnapshot(name, { vmName: 'chain' });
      await eventually(async () => statusOf(await env.getSnapshot(name)).phase === 'Ready', `${name} Ready`);
    }
    await env.createSnapshot('chain-3', { vmName: 'chain' });
    const failed = await eventually(async () => {
      const obj = await env.getSnapshot('chain-3');
      return statusOf(obj).phase === 'Failed' ? obj : undefined;
    }, 'chain-3 Failed');
    expect(conditionOf(failed, 'Stalled')?.reason).toBe('SnapshotLimitReached');
    expect(conditionOf(failed, 'Stalled')?.message).toContain('Hypervisor "kvm-cap"');
    expect(domain.records.size).toBe(2);
    // Refused by vmsnap, not by the (simulated) hypervisor: the driver was asked twice, both times successfully.
    const creates = sim.recorder.log.filter((r) => r.operation === 'createSnapshot');
    expect(creates.map((r) => r.outcome)).toEqual(['ok', 'ok']);
  });
});
