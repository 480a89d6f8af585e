// The VM's hold is the crash marker of a Create attempt (steps.ts `create`): the InProgress status is written while
// the driver works, so a crash can leave a snapshot on the hypervisor that no status names yet, only the hold.
// Three cases build exactly that state (what a process killed right after the driver call leaves: finalizer, hold,
// the hypervisor snapshot `vs-<uid>`, no status); one the state a kill during a long driver call leaves (the
// InProgress status with its startTime, past the failureDeadline); one a hold written without its finalizer (the
// two are sent together, finalizer-with-hold.ts). The operator starts on all of them; every path must converge
// without a second snapshot and without leaving one behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiObject } from '../../src/controllers/shared/resources.ts';
import {
  SNAPSHOT_FINALIZER,
  VIRTUAL_MACHINES,
  VM_SNAPSHOTS,
} from '../../src/controllers/shared/resources.ts';
import { createDriverFactory } from '../../src/drivers/factory.ts';
import type { CreateSnapshotRequest } from '../../src/drivers/port.ts';
import { eventually } from '../support/client-node.ts';
import { NAMESPACE, OperatorEnv, statusOf } from './support/operator-env.ts';
import { recordingCreates } from './support/recording-driver.ts';

const HOST = 'kvm-mark';
const VMS = ['adopt-1', 'delete-1', 'late-1', 'nostart-1', 'nofin-1'];

describe('VMSnapshot: the hold marks an attempt the status does not name yet', () => {
  let env: OperatorEnv;
  const requests: CreateSnapshotRequest[] = [];

  beforeAll(async () => {
    env = await OperatorEnv.start();
    for (const vm of VMS) env.sim(HOST).defineDomain({ name: vm, phase: 'Running' });
    // Only the controllers that observe the VMs: no VMSnapshot controller may act before each state is built.
    await env.startOperator({ controllers: ['hypervisor', 'virtualmachine'] });
    await env.createHypervisor(HOST);
    for (const vm of VMS) {
      await env.createVm(vm, { hypervisorName: HOST, domain: vm });
      await eventually(async () => statusOf(await env.getVm(vm)).phase === 'Running', `${vm} observed`);
    }
    await env.stopOperator();
  });

  afterAll(async () => {
    await env?.stop();
  });

  /** A VMSnapshot (with the finalizer unless told otherwise) whose VM's hold names it; no status. */
  async function holdingSnapshot(
    name: string,
    vmName: string,
    spec: Record<string, unknown> = {},
    finalizers = [SNAPSHOT_FINALIZER],
  ): Promise<string> {
    const created = await env.client.create<ApiObject>(VM_SNAPSHOTS, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VMSnapshot',
      metadata: { name, namespace: NAMESPACE, finalizers },
      spec: { vmName, memory: true, ...spec },
    } as ApiObject);
    const uid = created.metadata.uid ?? '';
    const vm = (await env.getVm(vmName)) as ApiObject;
    const hold = {
      operation: 'Snapshot',
      holder: { kind: 'VMSnapshot', name, uid },
      since: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    await env.client.replaceStatus(VIRTUAL_MACHINES, { ...vm, status: { ...vm.status, hold } });
    return uid;
  }

  /** What an operator killed right after its driver call left behind: finalizer, VM hold, vs-<uid>; no status. */
  async function crashedAfterDriverCall(name: string, vmName: string, spec: Record<string, unknown> = {}) {
    const uid = await holdingSnapshot(name, vmName, spec);
    const driver = createDriverFactory({ simHosts: env.sims })({ driver: 'sim', uri: `sim://${HOST}` });
    await driver.createSnapshot(vmName, {
      name: `vs-${uid}`,
      owner: { uid, namespace: NAMESPACE, name },
      description: '',
      memory: true,
      quiesce: false,
    });
    expect(statusOf(await env.getSnapshot(name)).snapshotName).toBeUndefined();
    return uid;
  }

  /**
   * What an operator killed during a long driver call leaves once the call completed on the hypervisor: the
   * InProgress status (name, startTime: the deadline clock started `startedMsAgo` ago), the hold, vs-<uid>.
   */
  async function crashedDuringDriverCall(
    name: string,
    vmName: string,
    spec: Record<string, unknown>,
    startedMsAgo: number,
  ) {
    const uid = await crashedAfterDriverCall(name, vmName, spec);
    const obj = (await env.getSnapshot(name)) as ApiObject;
    const startTime = new Date(Date.now() - startedMsAgo).toISOString().replace(/\.\d+Z$/, 'Z');
    await env.client.replaceStatus(VM_SNAPSHOTS, {
      ...obj,
      status: { phase: 'InProgress', snapshotName: `vs-${uid}`, startTime },
    });
    return uid;
  }

  async function startSnapshotController() {
    const sims = createDriverFactory({ simHosts: env.sims });
    await env.startOperator({
      driverFactory: (connection) => recordingCreates(sims(connection), requests),
    });
  }

  const uids: Record<string, string> = {};

  it('builds the crashed states and starts the operator on them', async () => {
    uids.adopted = await crashedAfterDriverCall('adopted', 'adopt-1');
    uids.deleted = await crashedAfterDriverCall('deleted', 'delete-1');
    // Both past their 1s deadline counted from creation; only `late` had started its clock (status.startTime).
    uids.late = await crashedDuringDriverCall('late', 'late-1', { failureDeadline: '1s' }, 5_000);
    uids.notStarted = await crashedAfterDriverCall('not-started', 'nostart-1', { failureDeadline: '1s' });
    // AddFinalizer and TakeHold are sent together (finalizer-with-hold.ts): the hold can land without the finalizer.
    uids.unfinalized = await holdingSnapshot('unfinalized', 'nofin-1', {}, []);
    await env.client.delete(VM_SNAPSHOTS, { namespace: NAMESPACE, name: 'deleted' });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await startSnapshotController();
  });

  it('adopts the snapshot: Ready with the one hypervisor snapshot, the driver told an attempt may exist', async () => {
    const ready = await env.snapshotInPhase('adopted', 'Ready');
    expect(statusOf(ready).snapshotName).toBe(`vs-${uids.adopted}`);
    expect(requests.filter((r) => r.owner.name === 'adopted').map((r) => r.mayExist)).toEqual([true]);
    expect([...env.sim(HOST).domain('adopt-1').records.keys()]).toEqual([`vs-${uids.adopted}`]);
    await eventually(async () => statusOf(await env.getVm('adopt-1')).hold === undefined, 'adopt-1 released');
  });

  it('deletes vs-<uid> of a snapshot deleted while it held its VM, though no status named it', async () => {
    await eventually(async () => (await env.getSnapshot('deleted')) === undefined, 'deleted is gone');
    expect(env.sim(HOST).domain('delete-1').records.has(`vs-${uids.deleted}`)).toBe(false);
    await eventually(
      async () => statusOf(await env.getVm('delete-1')).hold === undefined,
      'delete-1 released',
    );
  });

  it('finishes a snapshot whose hold was written but not its finalizer: finalizer on, one snapshot, Ready', async () => {
    const ready = await env.snapshotInPhase('unfinalized', 'Ready');
    expect(ready.metadata.finalizers).toContain(SNAPSHOT_FINALIZER);
    // The hold came from an earlier reconcile, so the driver is told an attempt may exist.
    expect(requests.filter((r) => r.owner.name === 'unfinalized').map((r) => r.mayExist)).toEqual([true]);
    expect([...env.sim(HOST).domain('nofin-1').records.keys()]).toEqual([`vs-${uids.unfinalized}`]);
    await eventually(async () => statusOf(await env.getVm('nofin-1')).hold === undefined, 'nofin-1 released');
  });

  it('fails a snapshot whose operation outlived its deadline, naming vs-<uid> so its deletion deletes it', async () => {
    const failed = await env.snapshotInPhase('late', 'Failed');
    expect(statusOf(failed).snapshotName).toBe(`vs-${uids.late}`);
    expect(requests.filter((r) => r.owner.name === 'late')).toEqual([]);
    await eventually(async () => statusOf(await env.getVm('late-1')).hold === undefined, 'late-1 released');
    await env.client.delete(VM_SNAPSHOTS, { namespace: NAMESPACE, name: 'late' });
    await eventually(async () => (await env.getSnapshot('late')) === undefined, 'late is gone');
    expect(env.sim(HOST).domain('late-1').records.has(`vs-${uids.late}`)).toBe(false);
  });

  it('adopts a snapshot past its deadline since creation whose clock never started (crash before startTime)', async () => {
    // The deadline counts from the operation's start; a crash before that was stored restarts the clock, so the
    // next attempt runs (told an attempt may exist) and adopts the one hypervisor snapshot instead of failing.
    const ready = await env.snapshotInPhase('not-started', 'Ready');
    expect(statusOf(ready).snapshotName).toBe(`vs-${uids.notStarted}`);
    expect(statusOf(ready).startTime).toEqual(expect.any(String));
    expect(requests.filter((r) => r.owner.name === 'not-started').map((r) => r.mayExist)).toEqual([true]);
    expect([...env.sim(HOST).domain('nostart-1').records.keys()]).toEqual([`vs-${uids.notStarted}`]);
    await eventually(
      async () => statusOf(await env.getVm('nostart-1')).hold === undefined,
      'nostart-1 released',
    );
  });
});
