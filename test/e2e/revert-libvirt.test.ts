// End to end: the embedded control plane with the operator started as `vmsnap local` starts it, the revert
// controller beside it, real libvirt/QEMU domains and real kubectl. Every case PROVES the revert happened: a disk
// pattern read from outside with qemu-io, and a CMOS byte (device state) read through the monitor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAddon } from '../../src/cli/addons.ts';
import { KubeClient } from '../../src/runtime/kube-client.ts';
import { eventually, kubeConfigFor } from '../support/client-node.ts';
import type { TestControlPlane } from '../support/control-plane.ts';
import { findKubectl, Kubectl } from '../support/kubectl.ts';
import { diskHasPattern, writeDiskPattern } from '../support/libvirt/disk-pattern.ts';
import {
  createTestDomain,
  domState,
  libvirtAvailable,
  sweepStaleTestDomains,
  TEST_URI,
  type TestDomain,
  virsh,
} from '../support/libvirt/test-domain.ts';
import { manifest, SNAPSHOTS, startLocalOperator, VMS } from './kubectl-operator.ts';
import { readCmosMarker, writeCmosMarker, writeDiskPatternOffline } from './revert-markers.ts';
import { VmWatch } from './revert-vm-watch.ts';

const hasLibvirt = await libvirtAvailable();
const kubectlBinary = findKubectl('1.33');

const REVERTS = 'vmreverts.vmsnap.io';
const WAIT = { timeoutMs: 190_000 };
/** Phases a user may ever see on a VirtualMachine ('' before the first observation). */
const LIFECYCLE = /^(Running|Stopped|Paused|Unknown|)$/;

describe.skipIf(!hasLibvirt || !kubectlBinary)('VMRevert on real libvirt, driven with kubectl', () => {
  let controlPlane: TestControlPlane;
  let operator: RunningAddon;
  let kubectl: Kubectl;
  let vmWatch: VmWatch;
  /** Runs through Running+memory, Running+disk-only and Stopped+memory. */
  let chain: TestDomain;
  let cold: TestDomain;
  let paused: TestDomain;

  beforeAll(async () => {
    await sweepStaleTestDomains();
    [chain, cold, paused] = await Promise.all([
      createTestDomain({ label: 'rv-chain', start: true }),
      createTestDomain({ label: 'rv-cold' }),
      createTestDomain({ label: 'rv-paused', start: true }),
    ]);
    ({ controlPlane, operator } = await startLocalOperator());
    const kubeConfig = kubeConfigFor(controlPlane);
    const api = { kubeConfig, client: new KubeClient(kubeConfig, { fieldManager: 'revert-e2e' }) };
    vmWatch = await VmWatch.start(api);
    kubectl = await Kubectl.create(kubectlBinary!, controlPlane.kubeconfigPath);
    await kubectl.ok(['apply', '-f', '-'], {
      input: manifest('Hypervisor', 'kvm-revert', { driver: 'libvirt', uri: TEST_URI }),
    });
    await kubectl.ok(['wait', '--for=condition=Ready', 'hypervisors.vmsnap.io/kvm-revert', '--timeout=60s'], {
      timeoutMs: 70_000,
    });
    for (const domain of [chain, cold, paused]) {
      await kubectl.ok(['apply', '-f', '-'], {
        input: manifest('VirtualMachine', vmName(domain), {
          hypervisorName: 'kvm-revert',
          domain: domain.name,
        }),
      });
    }
    for (const domain of [chain, cold, paused]) {
      await kubectl.ok(['wait', '--for=condition=Ready', `${VMS}/${vmName(domain)}`, '--timeout=60s'], {
        timeoutMs: 70_000,
      });
    }
  }, 240_000);

  afterAll(async () => {
    await vmWatch?.stop();
    await operator?.stop();
    await kubectl?.dispose();
    await controlPlane?.stop();
    await Promise.all([chain?.remove(), cold?.remove(), paused?.remove()]);
  });

  function vmName(domain: TestDomain): string {
    if (domain === chain) return 'rv-chain';
    if (domain === cold) return 'rv-cold';
    return 'rv-paused';
  }

  async function snapshot(name: string, vm: string, memory: boolean): Promise<Record<string, unknown>> {
    await kubectl.ok(['apply', '-f', '-'], { input: manifest('VMSnapshot', name, { vmName: vm, memory }) });
    await kubectl.ok(['wait', '--for=condition=Ready', `${SNAPSHOTS}/${name}`, '--timeout=180s'], WAIT);
    return JSON.parse(await kubectl.ok(['get', `${SNAPSHOTS}/${name}`, '-o', 'json'])).status;
  }

  /**
   * Applies a VMRevert with kubectl while watching the VM, waits for it to succeed, and checks what the watch saw:
   * the hold with Reverting=True, its release, and never a phase outside the VM lifecycle.
   */
  async function revert(name: string, vm: string, snapshotName: string, spec: Record<string, unknown> = {}) {
    const from = vmWatch.of(vm).length;
    await kubectl.ok(['apply', '-f', '-'], { input: manifest('VMRevert', name, { snapshotName, ...spec }) });
    await kubectl.ok(['wait', '--for=condition=Ready', `${REVERTS}/${name}`, '--timeout=180s'], WAIT);
    // What the watch delivered: the hold with Reverting=True, then its release.
    const seen = await eventually(
      () => {
        const all = vmWatch.of(vm).slice(from);
        const held = all.findIndex((s) => s.holder === name && s.reverting === 'True');
        const released =
          held >= 0 && all.slice(held).some((s) => s.holder === undefined && s.reverting === 'False');
        return released ? all : undefined;
      },
      `${vm}: the hold taken and released`,
      30_000,
    );
    for (const s of seen) expect(String(s.phase ?? '')).toMatch(LIFECYCLE);

    const status = JSON.parse(await kubectl.ok(['get', `${REVERTS}/${name}`, '-o', 'json'])).status;
    expect(status.phase).toBe('Succeeded');
    expect(status.completedSteps).toEqual(status.steps);
    const vmObj = JSON.parse(await kubectl.ok(['get', `${VMS}/${vm}`, '-o', 'json']));
    expect(vmObj.status.hold).toBeUndefined();
    expect(vmObj.status.currentSnapshot).toBe(snapshotName);
    return status;
  }

  async function vmPhaseBecomes(vm: string, phase: string): Promise<void> {
    await kubectl.ok(['wait', `--for=jsonpath={.status.phase}=${phase}`, `${VMS}/${vm}`, '--timeout=60s'], {
      timeoutMs: 70_000,
    });
  }

  it('Running + memory snapshot: reverts disk and device state, stays Running', async () => {
    await writeDiskPattern(chain.name, 0xaa);
    await writeCmosMarker(chain.name, 0x55);
    await snapshot('chain-mem', 'rv-chain', true);
    await writeDiskPattern(chain.name, 0xbb);
    await writeCmosMarker(chain.name, 0x66);

    const status = await revert('rv-chain-mem', 'rv-chain', 'chain-mem');
    expect(status).toMatchObject({ fromPhase: 'Running', toPhase: 'Running', steps: ['RevertTo'] });
    expect(await domState(chain.name)).toMatch(/^running/);
    expect(await readCmosMarker(chain.name)).toBe(0x55);
    expect(await diskHasPattern(chain.diskPath, 0xaa)).toBe(true);
  });

  it('Running + disk-only snapshot: StopVM, RevertTo; ends Stopped with the snapshot disk', async () => {
    await writeDiskPattern(chain.name, 0xcc);
    const snap = await snapshot('chain-disk', 'rv-chain', false);
    expect(snap.memory).toBe(false);
    await writeDiskPattern(chain.name, 0xdd);

    const status = await revert('rv-chain-disk', 'rv-chain', 'chain-disk');
    expect(status).toMatchObject({ fromPhase: 'Running', toPhase: 'Stopped', steps: ['StopVM', 'RevertTo'] });
    expect(await domState(chain.name)).toMatch(/^shut off/);
    expect(await diskHasPattern(chain.diskPath, 0xcc)).toBe(true);
    await vmPhaseBecomes('rv-chain', 'Stopped');
  });

  it('Stopped + memory snapshot: RevertTo resumes the saved memory; ends Running', async () => {
    const status = await revert('rv-chain-back', 'rv-chain', 'chain-mem');
    expect(status).toMatchObject({ fromPhase: 'Stopped', toPhase: 'Running', steps: ['RevertTo'] });
    expect(await domState(chain.name)).toMatch(/^running/);
    expect(await readCmosMarker(chain.name)).toBe(0x55);
    expect(await diskHasPattern(chain.diskPath, 0xaa)).toBe(true);
    await vmPhaseBecomes('rv-chain', 'Running');
  });

  it('Stopped + disk-only snapshot: RevertTo; stays Stopped with the snapshot disk', async () => {
    await writeDiskPatternOffline(cold.diskPath, 0x11);
    await snapshot('cold-disk', 'rv-cold', false);
    await writeDiskPatternOffline(cold.diskPath, 0x22);

    const status = await revert('rv-cold', 'rv-cold', 'cold-disk');
    expect(status).toMatchObject({ fromPhase: 'Stopped', toPhase: 'Stopped', steps: ['RevertTo'] });
    expect(await domState(cold.name)).toMatch(/^shut off/);
    expect(await diskHasPattern(cold.diskPath, 0x11)).toBe(true);
  });

  it('a snapshot taken while Paused reverts to Paused, with its disk and device state', async () => {
    await writeDiskPattern(paused.name, 0x31);
    await writeCmosMarker(paused.name, 0x41);
    await virsh(['suspend', '--domain', paused.name]);
    const snap = await snapshot('paused-mem', 'rv-paused', true);
    expect(snap.vmPhase).toBe('Paused');
    await virsh(['resume', '--domain', paused.name]);
    await writeDiskPattern(paused.name, 0x32);
    await writeCmosMarker(paused.name, 0x42);

    const status = await revert('rv-paused', 'rv-paused', 'paused-mem');
    expect(status).toMatchObject({ fromPhase: 'Running', toPhase: 'Paused', steps: ['RevertTo'] });
    expect(await domState(paused.name)).toMatch(/^paused/);
    expect(await readCmosMarker(paused.name)).toBe(0x41);
    expect(await diskHasPattern(paused.diskPath, 0x31)).toBe(true);
    await vmPhaseBecomes('rv-paused', 'Paused');
  });
});
