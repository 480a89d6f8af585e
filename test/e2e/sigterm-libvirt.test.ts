// SIGTERM of the real `vmsnap operator --leader-elect` process while a snapshot holds its VM, on real libvirt
// (the kubelet's way of ending a pod in a rollout or a node drain). A `virsh` stand-in stops the snapshot call at
// a known point, so the signal lands while the hold is set and the hypervisor call is in flight:
// - within the grace period: the call finishes, the process exits 0 and releases the Lease at once, and the
//   next process finishes the snapshot (Ready, one libvirt snapshot, hold released);
// - beyond it (a call that hangs): the process exits 1 at the grace period WITHOUT releasing the Lease (its call
//   may still be running), and the next process takes over only once the lease expired, then finishes.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { LEASES, type Lease } from '../../src/runtime/lease.ts';
import { eventually } from '../support/client-node.ts';
import { domState, libvirtAvailable, type TestDomain } from '../support/libvirt/test-domain.ts';
import { type CrashPoint, installVirshGate, readMark } from './crash-virsh-gate.ts';
import { FAST_LEADER_ELECTION, type OperatorProcess, processAlive } from './leader-operator-process.ts';
import { OperatorProcessLab, snapshotNames, statusOf } from './operator-process-lab.ts';

const NAMESPACE = 'default';
const hasLibvirt = await libvirtAvailable();

describe.skipIf(!hasLibvirt)('SIGTERM of the operator mid-snapshot, on real libvirt', () => {
  let lab: OperatorProcessLab;

  beforeAll(async () => {
    lab = await OperatorProcessLab.start({ fieldManager: 'sigterm-test', hypervisorName: 'kvm-term' });
  });

  afterAll(async () => {
    await lab?.stop();
  });

  const start = (name: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
    lab.startOperator({
      args: [...FAST_LEADER_ELECTION, ...args],
      env: { ...env, POD_NAME: name, POD_NAMESPACE: NAMESPACE },
    });
  const holder = async () =>
    (await lab.client.find<Lease>(LEASES, { namespace: NAMESPACE, name: 'vmsnap-operator' }))?.spec
      ?.holderIdentity ?? '';

  /** A running VM, an operator whose virsh stops at `point`, and a snapshot that reached it with the hold set. */
  async function snapshotInFlight(label: string, point: CrashPoint, graceArgs: string[]) {
    const vmName = `vm-${label}`;
    const snapName = `snap-${label}`;
    const domain = await lab.runningVm(vmName, `term-${label}`);
    const gateDir = await lab.scratchDir(`term-${label}`);
    const first = start(`first-${label}`, graceArgs, await installVirshGate(gateDir, point));
    await eventually(async () => (await holder()).startsWith(`first-${label}_`), 'the first to lead', 30_000);
    await eventually(
      async () => statusOf(await lab.getVm(vmName)).phase === 'Running',
      `${vmName} observed Running`,
      60_000,
    );
    await lab.createMemorySnapshot(snapName, vmName);
    const mark = await eventually(() => readMark(gateDir), 'the snapshot call to start', 60_000);
    const hold = statusOf(await lab.getVm(vmName)).hold as { holder?: { name?: string } } | undefined;
    expect(hold?.holder?.name).toBe(snapName);
    return { vmName, snapName, domain, first, mark };
  }

  /** The next process finishes the snapshot: Ready, exactly one libvirt snapshot, the hold released. */
  async function nextProcessFinishes(label: string, vmName: string, snapName: string, domain: TestDomain) {
    const second = start(`second-${label}`, []);
    const ready = await eventually(
      async () => {
        const obj = await lab.getSnapshot(snapName);
        return statusOf(obj).phase === 'Ready' ? obj : undefined;
      },
      `${snapName} Ready`,
      90_000,
    );
    expect(await snapshotNames(domain.name)).toEqual([`vs-${ready.metadata.uid}`]);
    await eventually(
      async () => statusOf(await lab.getVm(vmName)).hold === undefined,
      `${vmName}'s hold released`,
      30_000,
    );
    expect(await domState(domain.name)).toMatch(/^running/);
    expect(await holder()).toMatch(new RegExp(`^second-${label}_`));
    second.child.kill('SIGTERM');
    expect(await second.exit).toEqual({ code: 0, signal: null });
  }

  it('within the grace period: the in-flight call finishes, the Lease is released, the next process completes', async () => {
    onTestFailed(() => dumpLogs(lab.operators));
    const { vmName, snapName, domain, first, mark } = await snapshotInFlight('graceful', 'during', [
      '--shutdown-grace-period=30s',
    ]);
    first.child.kill('SIGTERM');
    expect(await first.exit).toEqual({ code: 0, signal: null });
    // The call the stand-in held was let finish before the process exited.
    expect(processAlive(mark.pid)).toBe(false);
    const logs = first.logs().map((l) => l.msg);
    expect(logs).toContain('released the lease');
    // Released, not expired: nobody holds it until the next process takes it.
    expect(await holder()).toBe('');
    await nextProcessFinishes('graceful', vmName, snapName, domain);
  }, 240_000);

  it('beyond the grace period: exits 1 without releasing the Lease; the next process waits it out, then completes', async () => {
    onTestFailed(() => dumpLogs(lab.operators));
    const { vmName, snapName, domain, first, mark } = await snapshotInFlight('hung', 'before', [
      '--shutdown-grace-period=1s',
    ]);
    lab.adoptStray(mark.pid);
    first.child.kill('SIGTERM');
    expect(await first.exit).toEqual({ code: 1, signal: null });
    expect(first.logs().map((l) => l.msg)).not.toContain('released the lease');
    expect(await holder()).toMatch(/^first-hung_/);
    // The hung call is gone for good (as if the node had killed it) before the next process looks.
    lab.killStray(mark.pid);
    await nextProcessFinishes('hung', vmName, snapName, domain);
  }, 240_000);
});

function dumpLogs(operators: readonly OperatorProcess[]): void {
  for (const operator of operators) {
    console.error(`--- operator ${operator.pid} ---\n${operator.stderr().slice(-8000)}`);
  }
}
