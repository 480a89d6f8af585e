// kill -9 of the real operator process on real libvirt, at three points of a memory snapshot: with the hold
// taken but before libvirt was called, while the libvirt call is in flight (it completes after the operator
// died), and after libvirt created the snapshot but before the operator heard back. Each time a fresh
// operator process must converge: the VMSnapshot Ready, exactly one libvirt snapshot named for it, the VM's
// hold released and the VM Running (not left paused).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/client-node.ts';
import { domState, libvirtAvailable } from '../support/libvirt/test-domain.ts';
import { type CrashPoint, installVirshGate, readMark } from './crash-virsh-gate.ts';
import { processAlive } from './leader-operator-process.ts';
import { OperatorProcessLab, snapshotNames, statusOf } from './operator-process-lab.ts';

const hasLibvirt = await libvirtAvailable();

describe.skipIf(!hasLibvirt)('kill -9 of the operator process mid-snapshot, on real libvirt', () => {
  let lab: OperatorProcessLab;

  beforeAll(async () => {
    lab = await OperatorProcessLab.start({ fieldManager: 'crash-test', hypervisorName: 'kvm-crash' });
  });

  afterAll(async () => {
    await lab?.stop();
  });

  it.each<[CrashPoint, string]>([
    ['before', 'with the hold taken, before libvirt is called'],
    ['during', 'while the libvirt call is in flight (it completes after the operator died)'],
    ['after', 'after libvirt created the snapshot, before the operator heard back'],
  ])('killed %s the hypervisor call (%s): a new process converges', async (point) => {
    const vmName = `vm-${point}`;
    const snapName = `snap-${point}`;
    const domain = await lab.runningVm(vmName, `crash-${vmName}`);
    const gateDir = await lab.scratchDir(`crash-${point}`);
    const first = lab.startOperator({ env: await installVirshGate(gateDir, point) });
    await eventually(
      async () => statusOf(await lab.getVm(vmName)).phase === 'Running',
      `${vmName} observed Running by the first operator`,
      60_000,
    );
    await lab.createMemorySnapshot(snapName, vmName);
    const mark = await eventually(
      () => readMark(gateDir),
      `the operator to reach the ${point} point`,
      60_000,
    );
    // The hold is taken before any hypervisor call, so at every one of these points it names our snapshot.
    const held = statusOf(await lab.getVm(vmName)).hold as { holder?: { name?: string } } | undefined;
    expect(held?.holder?.name).toBe(snapName);

    first.child.kill('SIGKILL');
    await first.exit;
    if (point === 'during') {
      // The orphaned virsh finishes the job on its own; wait for it so the new process meets a settled host.
      await eventually(() => !processAlive(mark.pid), 'the orphaned virsh call to finish', 60_000);
    } else {
      lab.killStray(mark.pid);
    }

    const uid = (await lab.getSnapshot(snapName)).metadata.uid;
    const expectedName = `vs-${uid}`;
    // The state the crash left: not Ready, the hold still set, libvirt with or without the snapshot.
    expect(statusOf(await lab.getSnapshot(snapName)).phase).not.toBe('Ready');
    expect((statusOf(await lab.getVm(vmName)).hold as { holder?: { name?: string } })?.holder?.name).toBe(
      snapName,
    );
    expect(await snapshotNames(domain.name)).toEqual(point === 'before' ? [] : [expectedName]);

    const second = lab.startOperator();
    const ready = await eventually(
      async () => {
        const obj = await lab.getSnapshot(snapName);
        return statusOf(obj).phase === 'Ready' ? obj : undefined;
      },
      `${snapName} Ready under the new operator`,
      90_000,
    );
    expect(statusOf(ready)).toMatchObject({ readyToUse: true, memory: true, snapshotName: expectedName });
    expect(await snapshotNames(domain.name)).toEqual([expectedName]);
    const vm = await eventually(
      async () => {
        const obj = await lab.getVm(vmName);
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
