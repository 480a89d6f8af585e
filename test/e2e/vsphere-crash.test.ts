// kill -9 of the real operator process while vSphere's CreateSnapshot_Task runs, against govmomi's simulator.
// The simulator's snapshot gate (test/support/vsphere/vcsim/snapshot_gate.go) answers CreateSnapshot_Task with a
// task that stays `running` until the test releases it, as a real vSphere task runs on after the call returned:
// the operator is killed with the task provably in flight, no timing guesses. The restarted operator must find
// the task recorded on the VMSnapshot, wait on that same task (the simulator sees a new session poll it) and
// adopt its snapshot: one CreateSnapshot_Task in total, exactly one snapshot with that owner in the VM's tree. And
// a VMSnapshot deleted while its task ran: the cleanup waits for the task and removes what it made (no orphan).
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiObject,
  HYPERVISORS,
  VIRTUAL_MACHINES,
  VM_SNAPSHOTS,
} from '../../src/controllers/shared/resources.ts';
import { SNAPSHOT_TASK_ANNOTATION } from '../../src/controllers/shared/vmsnapshot-task-journal.ts';
import { decodeVsphereDescription } from '../../src/drivers/vsphere/snapshot-mark.ts';
import { parseSnapshotTree } from '../../src/drivers/vsphere/snapshot-tree.ts';
import type { MoRef } from '../../src/drivers/vsphere/soap-xml.ts';
import { readProperties } from '../../src/drivers/vsphere/vim-calls.ts';
import type { VsphereDriver } from '../../src/drivers/vsphere/vsphere-driver.ts';
import { installCrds } from '../../src/operator/install-crds.ts';
import { KubeClient } from '../../src/runtime/kube-client.ts';
import { eventually, kubeConfigFor } from '../support/client-node.ts';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { requireVcsim, startVcsim, type Vcsim, vcsimBinary } from '../support/vsphere/vcsim.ts';
import { createVcsimCredentials, vcsimHypervisorSpec } from '../support/vsphere/vcsim-hypervisor.ts';
import { poweredOnLab } from '../support/vsphere/vim-lab.ts';
import { type OperatorProcess, startOperatorProcess } from './leader-operator-process.ts';

const available = await requireVcsim('kill -9 of the operator mid vSphere snapshot task');
// Built during collection, outside any hook's time limit (a cold build takes 20-60 s on two busy cores).
if (available) await vcsimBinary();

const NAMESPACE = 'default';
const VM_NAME = 'DC0_H0_VM0';
const statusOf = (obj: ApiObject) => (obj.status ?? {}) as Record<string, unknown>;

describe.skipIf(!available)('kill -9 of the operator process while a vSphere snapshot task runs', () => {
  let sim: Vcsim;
  let lab: VsphereDriver;
  let vm: MoRef;
  let controlPlane: TestControlPlane;
  let client: KubeClient;
  const operators: OperatorProcess[] = [];

  beforeAll(async () => {
    sim = await startVcsim({ machines: 1, gateSnapshotTasks: true });
    ({ lab, vm } = await poweredOnLab(sim, VM_NAME));

    controlPlane = await startTestControlPlane();
    const kubeConfig = kubeConfigFor(controlPlane);
    client = new KubeClient(kubeConfig, { fieldManager: 'vsphere-crash-test' });
    await installCrds(client);
    await createVcsimCredentials(kubeConfig.makeApiClient(CoreV1Api), sim);
    await client.create(HYPERVISORS, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'Hypervisor',
      metadata: { name: 'vcsim' },
      spec: vcsimHypervisorSpec(sim),
    });
    await client.create(VIRTUAL_MACHINES, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VirtualMachine',
      metadata: { name: 'web-1', namespace: NAMESPACE },
      spec: { hypervisorName: 'vcsim', domain: `DC0/vm/${VM_NAME}` },
    });
  }, 120_000);

  afterAll(async () => {
    for (const operator of operators) await operator.kill();
    await controlPlane?.stop();
    await lab?.close();
    await sim?.stop();
  });

  const getSnapshot = (name: string) => client.get<ApiObject>(VM_SNAPSHOTS, { namespace: NAMESPACE, name });
  const getVm = () => client.get<ApiObject>(VIRTUAL_MACHINES, { namespace: NAMESPACE, name: 'web-1' });
  const ownedBy = async (uid: string) =>
    parseSnapshotTree((await readProperties(lab.client, vm, ['snapshot'])).get('snapshot')).nodes.filter(
      (n) => decodeVsphereDescription(n.description)?.owner.uid === uid,
    );
  const gateReport = () => sim.heldSnapshotTasks();
  /** Resolves once `sessions` operator sessions (one per process started) have polled the held `task`. */
  const polledBy = (task: string, sessions: number, what: string, timeoutMs: number) =>
    eventually(
      async () => (await gateReport()).held.find((h) => h.task === task && h.pollingSessions >= sessions),
      what,
      timeoutMs,
    );

  /**
   * Creates VMSnapshot `name` and waits until its CreateSnapshot_Task is recorded on it and the running operator
   * polls that task, which the gate holds: the task is provably in flight. Its moref and the VMSnapshot's uid.
   */
  async function snapshotWithTaskInFlight(
    name: string,
    memory: boolean,
  ): Promise<{ task: string; uid: string }> {
    await client.create(VM_SNAPSHOTS, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VMSnapshot',
      metadata: { name, namespace: NAMESPACE },
      spec: { vmName: 'web-1', memory },
    });
    const recorded = await eventually(
      async () => (await getSnapshot(name)).metadata.annotations?.[SNAPSHOT_TASK_ANNOTATION],
      'the snapshot task recorded on the VMSnapshot',
      60_000,
    );
    const { task } = JSON.parse(recorded) as { task: string };
    await polledBy(task, 1, 'the first operator polling its task', 30_000);
    return { task, uid: (await getSnapshot(name)).metadata.uid ?? '' };
  }

  it('a restarted operator waits on the recorded task and ends with exactly one snapshot', async () => {
    const first = startOperatorProcess(controlPlane.kubeconfigPath);
    operators.push(first);
    await eventually(
      async () => statusOf(await getVm()).phase === 'Running',
      'web-1 observed Running by the first operator',
      60_000,
    );
    // The task's moref is on the VMSnapshot, and the first operator is waiting on that task (polling it).
    const { task, uid } = await snapshotWithTaskInFlight('mid-task', true);
    expect(await ownedBy(uid)).toEqual([]);

    first.child.kill('SIGKILL');
    expect((await first.exit).signal).toBe('SIGKILL');
    expect(statusOf(await getSnapshot('mid-task')).phase).toBe('InProgress');

    const second = startOperatorProcess(controlPlane.kubeconfigPath);
    operators.push(second);
    // A second session polling the first task: the new process waits on the recorded task. Only now does the
    // task end, so the snapshot cannot have been adopted from the tree without the record.
    await polledBy(task, 2, 'the restarted operator polling the recorded task', 60_000);
    expect((await gateReport()).creates).toBe(1);
    await sim.releaseSnapshotTasks();

    const ready = await eventually(
      async () => {
        const obj = await getSnapshot('mid-task');
        return statusOf(obj).phase === 'Ready' ? obj : undefined;
      },
      'mid-task Ready under the restarted operator',
      60_000,
    );
    expect(statusOf(ready)).toMatchObject({ readyToUse: true, memory: true, snapshotName: `vs-${uid}` });
    const owned = await ownedBy(uid);
    expect(owned.map((n) => n.name)).toEqual([`vs-${uid}`]);
    expect((await gateReport()).creates).toBe(1);
    const settled = await eventually(
      async () => {
        const obj = await getSnapshot('mid-task');
        return obj.metadata.annotations?.[SNAPSHOT_TASK_ANNOTATION] === undefined ? obj : undefined;
      },
      'the task record removed once the task ended',
      30_000,
    );
    expect(statusOf(settled).phase).toBe('Ready');
    await eventually(async () => statusOf(await getVm()).hold === undefined, "web-1's hold released", 30_000);

    second.child.kill('SIGTERM');
    await second.exit;
  }, 240_000);

  it('a VMSnapshot deleted while its task ran leaves no snapshot behind once the task ends', async () => {
    const first = startOperatorProcess(controlPlane.kubeconfigPath);
    operators.push(first);
    const { task, uid } = await snapshotWithTaskInFlight('deleted-mid-task', false);
    first.child.kill('SIGKILL');
    await first.exit;
    // Deleted while no operator runs: the finalizer keeps the object until the restarted operator cleaned up.
    await client.delete(VM_SNAPSHOTS, { namespace: NAMESPACE, name: 'deleted-mid-task' });

    const second = startOperatorProcess(controlPlane.kubeconfigPath);
    operators.push(second);
    // The cleanup finds no snapshot yet and waits on the recorded task instead of calling it already gone.
    await polledBy(task, 2, 'the restarted operator polling the recorded task', 60_000);
    await sim.releaseSnapshotTasks();
    await eventually(
      async () =>
        (await client.find<ApiObject>(VM_SNAPSHOTS, { namespace: NAMESPACE, name: 'deleted-mid-task' })) ===
        undefined,
      'deleted-mid-task gone',
      60_000,
    );
    expect(await ownedBy(uid)).toEqual([]);
    // One task per test: the first test's and this one's.
    expect((await gateReport()).creates).toBe(2);

    second.child.kill('SIGTERM');
    await second.exit;
  }, 240_000);
});
