// kill -9 of the real operator process on real libvirt, at three points of a memory snapshot: with the hold
// taken but before libvirt was called, while the libvirt call is in flight (it completes after the operator
// died), and after libvirt created the snapshot but before the operator heard back. Each time a fresh
// operator process must converge: the VMSnapshot Ready, exactly one libvirt snapshot named for it, the VM's
// hold released and the VM Running (not left paused).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiObject, VIRTUAL_MACHINES, VM_SNAPSHOTS } from '../../src/controllers/shared/resources.ts';
import type { KubeClient } from '../../src/runtime/kube-client.ts';
import { eventually } from '../support/client-node.ts';
import type { TestControlPlane } from '../support/control-plane.ts';
import {
  createTestDomain,
  domState,
  libvirtAvailable,
  type TestDomain,
  virsh,
} from '../support/libvirt/test-domain.ts';
import { makeTempDir, removeTempDir } from '../support/temp-dir.ts';
import { type CrashPoint, installVirshGate, readMark } from './crash-virsh-gate.ts';
import {
  killQuietly,
  type OperatorProcess,
  processAlive,
  startOperatorProcess,
} from './leader-operator-process.ts';
import { startLibvirtControlPlane } from './libvirt-control-plane.ts';

const NAMESPACE = 'default';
const hasLibvirt = await libvirtAvailable();

async function snapshotNames(domain: string): Promise<string[]> {
  return (await virsh(['snapshot-list', '--domain', domain, '--name']))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

const statusOf = (obj: ApiObject) => (obj.status ?? {}) as Record<string, unknown>;

describe.skipIf(!hasLibvirt)('kill -9 of the operator process mid-snapshot, on real libvirt', () => {
  let controlPlane: TestControlPlane;
  let client: KubeClient;
  const domains: TestDomain[] = [];
  const operators: OperatorProcess[] = [];
  const strays: number[] = [];
  const scratch: string[] = [];

  beforeAll(async () => {
    ({ controlPlane, client } = await startLibvirtControlPlane({
      fieldManager: 'crash-test',
      hypervisorName: 'kvm-crash',
    }));
  });

  afterAll(async () => {
    for (const pid of strays) killQuietly(pid);
    for (const operator of operators) await operator.kill();
    await controlPlane?.stop();
    await Promise.all(domains.map((d) => d.remove()));
    await Promise.all(scratch.map((dir) => removeTempDir(dir)));
  });

  async function runningVm(name: string): Promise<TestDomain> {
    const domain = await createTestDomain({ label: `crash-${name}`, start: true });
    domains.push(domain);
    await client.create(VIRTUAL_MACHINES, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VirtualMachine',
      metadata: { name, namespace: NAMESPACE },
      spec: { hypervisorName: 'kvm-crash', domain: domain.name },
    });
    return domain;
  }

  const getVm = (name: string) => client.get<ApiObject>(VIRTUAL_MACHINES, { namespace: NAMESPACE, name });
  const getSnapshot = (name: string) => client.get<ApiObject>(VM_SNAPSHOTS, { namespace: NAMESPACE, name });

  it.each<[CrashPoint, string]>([
    ['before', 'with the hold taken, before libvirt is called'],
    ['during', 'while the libvirt call is in flight (it completes after the operator died)'],
    ['after', 'after libvirt created the snapshot, before the operator heard back'],
  ])('killed %s the hypervisor call (%s): a new process converges', async (point) => {
    const vmName = `vm-${point}`;
    const snapName = `snap-${point}`;
    const domain = await runningVm(vmName);
    const gateDir = await makeTempDir(`crash-${point}`);
    scratch.push(gateDir);

    const first = startOperatorProcess(controlPlane.kubeconfigPath, {
      env: await installVirshGate(gateDir, point),
    });
    operators.push(first);
    await eventually(
      async () => statusOf(await getVm(vmName)).phase === 'Running',
      `${vmName} observed Running by the first operator`,
      60_000,
    );
    await client.create(VM_SNAPSHOTS, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VMSnapshot',
      metadata: { name: snapName, namespace: NAMESPACE },
      spec: { vmName, memory: true },
    });
    const mark = await eventually(
      () => readMark(gateDir),
      `the operator to reach the ${point} point`,
      60_000,
    );
    // The hold is taken before any hypervisor call, so at every one of these points it names our snapshot.
    const held = statusOf(await getVm(vmName)).hold as { holder?: { name?: string } } | undefined;
    expect(held?.holder?.name).toBe(snapName);

    first.child.kill('SIGKILL');
    await first.exit;
    if (point === 'during') {
      // The orphaned virsh finishes the job on its own; wait for it so the new process meets a settled host.
      await eventually(() => !processAlive(mark.pid), 'the orphaned virsh call to finish', 60_000);
    } else {
      strays.push(mark.pid);
      killQuietly(mark.pid);
    }

    const uid = (await getSnapshot(snapName)).metadata.uid;
    const expectedName = `vs-${uid}`;
    // The state the crash left: not Ready, the hold still set, libvirt with or without the snapshot.
    expect(statusOf(await getSnapshot(snapName)).phase).not.toBe('Ready');
    expect((statusOf(await getVm(vmName)).hold as { holder?: { name?: string } })?.holder?.name).toBe(
      snapName,
    );
    expect(await snapshotNames(domain.name)).toEqual(point === 'before' ? [] : [expectedName]);

    const second = startOperatorProcess(controlPlane.kubeconfigPath);
    operators.push(second);
    const ready = await eventually(
      async () => {
        const obj = await getSnapshot(snapName);
        return statusOf(obj).phase === 'Ready' ? obj : undefined;
      },
      `${snapName} Ready under the new operator`,
      90_000,
    );
    expect(statusOf(ready)).toMatchObject({ readyToUse: true, memory: true, snapshotName: expectedName });
    expect(await snapshotNames(domain.name)).toEqual([expectedName]);
    const vm = await eventually(
      async () => {
        const obj = await getVm(vmName);
        return statusOf(obj).hold === undefined ? obj : undefined;
      },
      `${vmName}'s hold released`,
      30_000,
    );
    expect(statusOf(vm).phase).toBe('Running');
    expect(statusOf(vm).currentSnapshot).toBe(snapName);
    expect(await domState(domain.name)).toMatch(/^running/);

    second.child.kill('SIGTERM');
    await second.exit;
  });
});
