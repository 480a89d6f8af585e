// What tests do to a vcsim VM behind the driver's back: snapshots "by hand" (as another tool would, with any
// description) and direct task calls for the benchmark's baseline.

import type { MoRef } from '../../../src/drivers/vsphere/soap-xml.ts';
import { findByInventoryPath, startTask, waitForTask } from '../../../src/drivers/vsphere/vim-calls.ts';
import type { VimClient } from '../../../src/drivers/vsphere/vim-client.ts';
import { VsphereDriver } from '../../../src/drivers/vsphere/vsphere-driver.ts';
import type { Vcsim } from './vcsim.ts';

/** vcsim's VPX model names VMs by host / resource pool: DC0_H0_VM0.. and DC0_C0_RP0_VM0.. */
export function vcsimVmNames(machines: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < machines; i++) names.push(`DC0_H0_VM${i}`, `DC0_C0_RP0_VM${i}`);
  return names;
}

export async function vmByName(client: VimClient, name: string): Promise<MoRef> {
  const vm = await findByInventoryPath(client, `DC0/vm/${name}`);
  if (!vm) throw new Error(`vcsim has no VM DC0/vm/${name}`);
  return vm;
}

/**
 * A driver of the test's own on `sim` (to look and act behind the operator's back), with VM `vmName` powered on.
 * The caller closes `lab`.
 */
export async function poweredOnLab(sim: Vcsim, vmName: string): Promise<{ lab: VsphereDriver; vm: MoRef }> {
  const lab = new VsphereDriver({
    url: sim.url,
    username: sim.username,
    password: sim.password,
    ca: sim.caPem,
    taskPollMs: 5,
  });
  try {
    const vm = await vmByName(lab.client, vmName);
    await lab.start(vmName);
    return { lab, vm };
  } catch (error) {
    await lab.close();
    throw error;
  }
}

/** CreateSnapshot_Task straight through SOAP, waited for; returns the snapshot's moref. */
export async function createSnapshotByHand(
  client: VimClient,
  vm: MoRef,
  name: string,
  description: string,
  memory = false,
): Promise<MoRef> {
  const task = await startTask(client, 'CreateSnapshot_Task', vm, {
    name,
    description,
    memory,
    quiesce: false,
  });
  const outcome = await waitForTask(client, task, { timeoutMs: 30_000, initialDelayMs: 5 });
  if (outcome?.state !== 'success' || !outcome.result) {
    throw new Error(`CreateSnapshot_Task ${name}: ${JSON.stringify(outcome)}`);
  }
  return outcome.result;
}
