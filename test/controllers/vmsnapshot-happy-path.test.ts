import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VM_SNAPSHOTS } from '../../src/controllers/shared/resources.ts';
import { eventually } from '../support/client-node.ts';
import { conditionOf, NAMESPACE, OperatorEnv, statusOf } from './support/operator-env.ts';
import { VmStatusLog } from './support/vm-status-log.ts';

describe('VMSnapshot reconciler on the simulated hypervisor', () => {
  let env: OperatorEnv;
  let log: VmStatusLog;

  beforeAll(async () => {
    env = await OperatorEnv.start();
    const sim = env.sim('kvm-a', { latencyMs: { createSnapshot: 200 } });
    sim.defineDomain({ name: 'web-1', phase: 'Running' });
    log = await VmStatusLog.start(env);
    await env.startOperator();
    await env.createHypervisor('kvm-a');
    await env.createVm('web-1', { hypervisorName: 'kvm-a', domain: 'web-1' });
  });

  afterAll(async () => {
    await log?.stop();
    await env?.stop();
  });

  it('probes the hypervisor and observes the VM', async () => {
    const hv = await eventually(async () => {
      const obj = await env.client.find(
        { group: 'vmsnap.io', version: 'v1alpha1', plural: 'hypervisors', namespaced: false },
        { name: 'kvm-a' },
      );
      return conditionOf(obj, 'Ready')?.status === 'True' ? obj : undefined;
    }, 'Hypervisor Ready');
    expect(statusOf(hv).version).toBeTruthy();
    const vm = await eventually(async () => {
      const obj = await env.getVm('web-1');
      return statusOf(obj).phase === 'Running' ? obj : undefined;
    }, 'VM observed Running');
    expect(statusOf(vm).domainUUID).toBe(env.sim('kvm-a').domain('web-1').uuid);
  });

  it('takes a memory snapshot: Pending -> Ready, hold taken and released, VM phase stays Running', async () => {
    const created = await env.createSnapshot('before-upgrade', { vmName: 'web-1', memory: true });
    const ready = await eventually(async () => {
      const obj = await env.getSnapshot('before-upgrade');
      return statusOf(obj).phase === 'Ready' ? obj : undefined;
    }, 'snapshot Ready');
    const status = statusOf(ready);
    expect(status.snapshotName).toBe(`vs-${created.metadata.uid}`);
    expect(status.readyToUse).toBe(true);
    expect(status.memory).toBe(true);
    expect(status.vmPhase).toBe('Running');
    expect(status.parent).toBe('');
    expect(conditionOf(ready, 'Ready')?.status).toBe('True');
    expect(conditionOf(ready, 'Stalled')?.status).toBe('False');
    expect(ready?.metadata.finalizers).toContain('vmsnap.io/snapshot-protection');

    const vm = await eventually(async () => {
      const obj = await env.getVm('web-1');
      return statusOf(obj).currentSnapshot === 'before-upgrade' ? obj : undefined;
    }, 'VM currentSnapshot');
    expect(statusOf(vm).hold).toBeUndefined();
    expect(conditionOf(vm, 'Snapshotting')?.status).toBe('False');

    const onHost = env.sim('kvm-a').domain('web-1').records;
    expect([...onHost.keys()]).toEqual([`vs-${created.metadata.uid}`]);

    const seen = log.of('web-1');
    expect(seen.filter((s) => s.phase !== undefined).every((s) => s.phase === 'Running')).toBe(true);
    expect(seen.some((s) => s.hold?.holder.name === 'before-upgrade' && s.snapshotting === 'True')).toBe(
      true,
    );
  });
  it('runs two snapshots of one VM one after the other, never both holding it', async () => {
    const sim = env.sim('kvm-a');
    const domain = sim.domain('web-1');
    const before = sim.recorder.log.length;
    await Promise.all([
      env.createSnapshot('pair-a', { vmName: 'web-1', memory: false }),
      env.createSnapshot('pair-b', { vmName: 'web-1', memory: false }),
    ]);
    const [a, b] = await eventually(async () => {
      const pair = await Promise.all([env.getSnapshot('pair-a'), env.getSnapshot('pair-b')]);
      return pair.every((s) => statusOf(s).phase === 'Ready') ? pair : undefined;
    }, 'both snapshots Ready');
    await eventually(async () => {
      const vm = await env.getVm('web-1');
      return (
        statusOf(vm).hold === undefined && ['pair-a', 'pair-b'].includes(String(statusOf(vm).currentSnapshot))
      );
    }, 'VM released');

    const creates = sim.recorder.log
      .slice(before)
      .filter((r) => r.operation === 'createSnapshot' && (r.domain === 'web-1' || r.domain === domain.uuid));
    expect(creates.length).toBeGreaterThanOrEqual(2);
    for (const [i, first] of creates.entries()) {
      for (const second of creates.slice(i + 1)) {
        const overlap =
          first.startedAt < (second.endedAt ?? Infinity) && second.startedAt < (first.endedAt ?? Infinity);
        expect(overlap).toBe(false);
      }
    }
    // The hold passes from one snapshot to the other only through a moment with no hold at all.
    const holders = log.of('web-1').map((s) => s.hold?.holder.name);
    for (let i = 1; i < holders.length; i++) {
      if (holders[i] !== undefined && holders[i - 1] !== undefined) expect(holders[i]).toBe(holders[i - 1]);
    }
    // The one taken second records the first as its parent.
    const parents = [statusOf(a).parent, statusOf(b).parent];
    expect(parents).toContain('before-upgrade');
    expect(parents.some((p) => p === 'pair-a' || p === 'pair-b')).toBe(true);
    expect(domain.records.size).toBe(3);
  });

  it('deletion: Delete removes the hypervisor snapshot, Retain keeps it', async () => {
    const domain = env.sim('kvm-a').domain('web-1');
    const del = await eventually(() => env.getSnapshot('pair-a'), 'pair-a');
    const delName = String(statusOf(del).snapshotName);
    await env.createSnapshot('kept', { vmName: 'web-1', deletionPolicy: 'Retain' });
    const kept = await eventually(async () => {
      const obj = await env.getSnapshot('kept');
      return statusOf(obj).phase === 'Ready' ? obj : undefined;
    }, 'kept Ready');
    const keptName = String(statusOf(kept).snapshotName);
    expect(domain.records.has(delName)).toBe(true);
    expect(domain.records.has(keptName)).toBe(true);

    await env.client.delete(VM_SNAPSHOTS, { namespace: NAMESPACE, name: 'pair-a' });
    await env.client.delete(VM_SNAPSHOTS, { namespace: NAMESPACE, name: 'kept' });
    await eventually(async () => {
      const gone = await Promise.all([env.getSnapshot('pair-a'), env.getSnapshot('kept')]);
      return gone.every((s) => s === undefined);
    }, 'both objects deleted');
    expect(domain.records.has(delName)).toBe(false);
    expect(domain.records.has(keptName)).toBe(true);

    const events = await env.client.listEvents(NAMESPACE);
    const reasons = events.items.filter((e) => e.regarding?.name === 'pair-a').map((e) => e.reason);
    expect(reasons).toContain('SnapshotCreated');
    expect(reasons).toContain('SnapshotDeleted');
  });
  it('deleting a snapshot while another one runs on the VM waits for the hold: no overlapping domain operations', async () => {
    const sim = env.sim('kvm-a');
    const domain = sim.domain('web-1');
    const old = await eventually(() => env.getSnapshot('pair-b'), 'pair-b');
    const oldName = String(statusOf(old).snapshotName);
    const before = sim.recorder.log.length;
    await env.createSnapshot('busy', { vmName: 'web-1', memory: true });
    await eventually(async () => statusOf(await env.getVm('web-1')).hold !== undefined, 'busy holds the VM');
    await env.client.delete(VM_SNAPSHOTS, { namespace: NAMESPACE, name: 'pair-b' });
    await eventually(async () => (await env.getSnapshot('pair-b')) === undefined, 'pair-b deleted');
    await eventually(async () => statusOf(await env.getSnapshot('busy')).phase === 'Ready', 'busy Ready');
    await eventually(async () => statusOf(await env.getVm('web-1')).hold === undefined, 'VM released');

    expect(domain.records.has(oldName)).toBe(false);
    const ops = sim.recorder.log
      .slice(before)
      .filter((r) => r.operation === 'createSnapshot' || r.operation === 'deleteSnapshot');
    expect(ops.map((r) => r.operation).sort()).toEqual(['createSnapshot', 'deleteSnapshot']);
    const [first, second] = [...ops].sort((a, b) => a.startedAt - b.startedAt);
    expect(first?.endedAt).toBeLessThan(second?.startedAt ?? 0);
  });
});
