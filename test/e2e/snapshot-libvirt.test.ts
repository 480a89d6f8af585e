// End to end on this machine: the embedded control plane started the way `vmsnap local` starts it (the
// operator addon installs the CRDs and starts the controllers with the real driver factory), real libvirt/QEMU
// domains, and real kubectl doing what a user does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAddon } from '../../src/cli/addons.ts';
import type { TestControlPlane } from '../support/control-plane.ts';
import { findKubectl, Kubectl } from '../support/kubectl.ts';
import {
  createTestDomain,
  libvirtAvailable,
  snapshotNames,
  sweepStaleTestDomains,
  type TestDomain,
} from '../support/libvirt/test-domain.ts';
import { manifest, SNAPSHOTS, startLocalOperator, VMS } from './kubectl-operator.ts';

const hasLibvirt = await libvirtAvailable();
const kubectlBinary = findKubectl('1.33');

describe.skipIf(!hasLibvirt || !kubectlBinary)('vmsnap on real libvirt, driven with kubectl', () => {
  let controlPlane: TestControlPlane;
  let operator: RunningAddon;
  let kubectl: Kubectl;
  let running: TestDomain;
  let stopped: TestDomain;

  beforeAll(async () => {
    await sweepStaleTestDomains();
    [running, stopped] = await Promise.all([
      createTestDomain({ label: 'e2e-run', start: true }),
      createTestDomain({ label: 'e2e-stop' }),
    ]);
    ({ controlPlane, operator } = await startLocalOperator());
    kubectl = await Kubectl.create(kubectlBinary!, controlPlane.kubeconfigPath);
    await kubectl.ok(['apply', '-f', '-'], {
      input: manifest('Hypervisor', 'kvm-e2e', { driver: 'libvirt', uri: running.uri }),
    });
    await kubectl.ok(['wait', '--for=condition=Ready', 'hypervisors.vmsnap.io/kvm-e2e', '--timeout=60s'], {
      timeoutMs: 70_000,
    });
    for (const [name, domain] of [
      ['e2e-running', running],
      ['e2e-stopped', stopped],
    ] as const) {
      await kubectl.ok(['apply', '-f', '-'], {
        input: manifest('VirtualMachine', name, { hypervisorName: 'kvm-e2e', domain: domain.name }),
      });
      await kubectl.ok([`wait`, '--for=condition=Ready', `${VMS}/${name}`, '--timeout=60s'], {
        timeoutMs: 70_000,
      });
    }
  });

  afterAll(async () => {
    await operator?.stop();
    await kubectl?.dispose();
    await controlPlane?.stop();
    await Promise.all([running?.remove(), stopped?.remove()]);
  });

  it('takes a memory snapshot of a running VM: hold and Snapshotting=True while the phase stays Running', async () => {
    // custom-columns rather than jsonpath: kubectl's watch printer stops on a jsonpath filter over a missing key.
    const watch = kubectl.start([
      'get',
      `${VMS}/e2e-running`,
      '-w',
      '--no-headers',
      '-o',
      'custom-columns=PHASE:.status.phase,HOLDER:.status.hold.holder.name,SNAPSHOTTING:.status.conditions[?(@.type=="Snapshotting")].status,CURRENT:.status.currentSnapshot',
    ]);
    await watch.waitForOutput(/^Running\s/m);
    await kubectl.ok(['apply', '-f', '-'], {
      input: manifest('VMSnapshot', 'before-upgrade', { vmName: 'e2e-running', memory: true }),
    });
    await kubectl.ok(['wait', '--for=condition=Ready', `${SNAPSHOTS}/before-upgrade`, '--timeout=120s'], {
      timeoutMs: 130_000,
    });
    await watch.waitForOutput(/\sbefore-upgrade\s*\n/);
    const rows = (await watch.stop()).stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.trim().split(/\s+/));

    const status = JSON.parse(await kubectl.ok(['get', `${SNAPSHOTS}/before-upgrade`, '-o', 'json']));
    expect(status.status).toMatchObject({
      phase: 'Ready',
      readyToUse: true,
      memory: true,
      vmPhase: 'Running',
    });
    expect(status.status.snapshotName).toBe(`vs-${status.metadata.uid}`);
    expect(await snapshotNames(running.name)).toContain(status.status.snapshotName);

    // What a user watching the VM saw: the hold and Snapshotting=True, and never a phase other than Running.
    expect(
      rows.some(
        ([phase, holder, snapshotting]) =>
          phase === 'Running' && holder === 'before-upgrade' && snapshotting === 'True',
      ),
    ).toBe(true);
    expect(rows.every(([phase]) => phase === 'Running')).toBe(true);
    const vm = JSON.parse(await kubectl.ok(['get', `${VMS}/e2e-running`, '-o', 'json']));
    expect(vm.status.hold).toBeUndefined();
    expect(vm.status.currentSnapshot).toBe('before-upgrade');
    expect(vm.status.phase).toBe('Running');
  });

  it('takes a disk-only snapshot of a stopped VM; Retain keeps it on deletion', async () => {
    await kubectl.ok(['apply', '-f', '-'], {
      input: manifest('VMSnapshot', 'cold', { vmName: 'e2e-stopped', deletionPolicy: 'Retain' }),
    });
    await kubectl.ok(['wait', '--for=condition=Ready', `${SNAPSHOTS}/cold`, '--timeout=120s'], {
      timeoutMs: 130_000,
    });
    const snap = JSON.parse(await kubectl.ok(['get', `${SNAPSHOTS}/cold`, '-o', 'json']));
    expect(snap.status).toMatchObject({ phase: 'Ready', memory: false, vmPhase: 'Stopped' });
    expect(await snapshotNames(stopped.name)).toContain(snap.status.snapshotName);

    await kubectl.ok(['delete', `${SNAPSHOTS}/cold`, '--timeout=60s'], { timeoutMs: 70_000 });
    expect(await snapshotNames(stopped.name)).toContain(snap.status.snapshotName);
  });

  it('Delete removes the libvirt snapshot when the VMSnapshot is deleted', async () => {
    const snap = JSON.parse(await kubectl.ok(['get', `${SNAPSHOTS}/before-upgrade`, '-o', 'json']));
    await kubectl.ok(['delete', `${SNAPSHOTS}/before-upgrade`, '--timeout=60s'], { timeoutMs: 70_000 });
    expect(await snapshotNames(running.name)).not.toContain(snap.status.snapshotName);
  });
});
