import { type Hypervisor, parseHypervisor } from '../../api/hypervisor.ts';
import { parseVirtualMachine, type VirtualMachine } from '../../api/virtual-machine.ts';
import { parseVMRevert, type VMRevert } from '../../api/vm-revert.ts';
import { parseVMSnapshot, type VMSnapshot } from '../../api/vm-snapshot.ts';
import { type HypervisorDriver, isDriverError } from '../../drivers/port.ts';
import { TerminalError } from '../../runtime/terminal-error.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import { CredentialsNotFoundError } from '../shared/driver-pool.ts';
import { type ApiObject, VIRTUAL_MACHINES, VM_REVERTS, VM_SNAPSHOTS } from '../shared/resources.ts';
import { hypervisorView } from '../shared/to-views.ts';
import type { LiveView } from './world.ts';

/** Everything one VMRevert reconcile decides on, read once at its start. */
export interface LoadedRevert {
  key: string;
  raw: ApiObject;
  revert: VMRevert;
  snapshot: VMSnapshot | undefined;
  /** Read from the API server (not the cache): the hold is written guarded by this object's resourceVersion. */
  vmRaw: ApiObject | undefined;
  vm: VirtualMachine | undefined;
  hypervisor: Hypervisor | undefined;
  /** Set when the domain was looked at (see LiveView); the steps use the same driver. */
  driver: HypervisorDriver | undefined;
  live: LiveView | undefined;
}

/**
 * Reads the revert, its snapshot and VM from the API server and the VM's Hypervisor from the cache, and, while the
 * revert has work left, asks the hypervisor for the domain's phase and whether the snapshot still exists there.
 * undefined when the revert is gone. A VM or Hypervisor that does not parse counts as missing (its own controller
 * reports why).
 */
export async function loadRevert(
  deps: ControllerDeps,
  key: string,
  ref: { namespace: string; name: string },
): Promise<LoadedRevert | undefined> {
  const raw = await deps.client.find<ApiObject>(VM_REVERTS, ref);
  if (!raw) return undefined;
  const parsed = parseVMRevert(raw);
  // The CRD's schema makes this unreachable for objects the API server accepted; retrying cannot fix it.
  if (!parsed.ok) throw new TerminalError(parsed.error.message);
  const revert = parsed.value;

  const snapshotRaw = await deps.client.find<ApiObject>(VM_SNAPSHOTS, {
    namespace: ref.namespace,
    name: revert.spec.snapshotName,
  });
  const snapshotParsed = snapshotRaw ? parseVMSnapshot(snapshotRaw) : undefined;
  const snapshot = snapshotParsed?.ok ? snapshotParsed.value : undefined;

  // Once planned, the revert is about the VM it recorded, even if the snapshot has gone since.
  const vmName = revert.status.vmName || snapshot?.spec.vmName;
  const vmRaw = vmName
    ? await deps.client.find<ApiObject>(VIRTUAL_MACHINES, { namespace: ref.namespace, name: vmName })
    : undefined;
  const vmParsed = vmRaw ? parseVirtualMachine(vmRaw) : undefined;
  const vm = vmParsed?.ok ? vmParsed.value : undefined;

  const hvRaw = vm ? deps.hypervisors.get(undefined, vm.spec.hypervisorName) : undefined;
  const hvParsed = hvRaw ? parseHypervisor(hvRaw) : undefined;
  const hypervisor = hvParsed?.ok ? hvParsed.value : undefined;

  const finished = revert.status.phase === 'Succeeded' || revert.status.phase === 'Failed';
  const look =
    !revert.identity.deleting && !finished && vm && hypervisor && hypervisorView(hypervisor).ready
      ? await lookAtDomain(deps, hypervisor, vm.spec.domain, snapshot?.status.snapshotName)
      : undefined;

  return {
    key,
    raw,
    revert,
    snapshot,
    vmRaw: vm ? vmRaw : undefined,
    vm,
    hypervisor,
    driver: look?.driver,
    live: look?.live,
  };
}

/**
 * The revert as a step in the same reconcile left it: the revert and the VM as the writes returned them (the VM
 * as loaded when the step did not write it), everything else as loaded. undefined when a written object no
 * longer parses, which ends the chain: the next reconcile reads everything again.
 */
export function loadedFromWrites(
  loaded: LoadedRevert,
  revertRaw: ApiObject,
  vmWritten: ApiObject | undefined,
): LoadedRevert | undefined {
  const revert = parseVMRevert(revertRaw);
  if (!revert.ok) return undefined;
  if (vmWritten === undefined) return { ...loaded, raw: revertRaw, revert: revert.value };
  const vm = parseVirtualMachine(vmWritten);
  if (!vm.ok) return undefined;
  return { ...loaded, raw: revertRaw, revert: revert.value, vmRaw: vmWritten, vm: vm.value };
}

/** The domain's phase now and whether the snapshot is still on the hypervisor; driver errors become a LiveView. */
async function lookAtDomain(
  deps: ControllerDeps,
  hypervisor: Hypervisor,
  domain: string,
  snapshotName: string | undefined,
): Promise<{ driver: HypervisorDriver | undefined; live: LiveView }> {
  let driver: HypervisorDriver | undefined;
  try {
    driver = await deps.pool.driverFor(hypervisor.identity.name, hypervisor.spec);
    const info = await driver.getDomain(domain);
    const onHypervisor = snapshotName
      ? (await driver.getSnapshot(domain, snapshotName)) !== undefined
      : undefined;
    return { driver, live: { ok: true, phase: info.phase, snapshotOnHypervisor: onHypervisor } };
  } catch (error) {
    if (isDriverError(error)) {
      return {
        driver,
        live: { ok: false, reason: error.reason, message: error.message, retryable: error.retryable },
      };
    }
    if (error instanceof CredentialsNotFoundError) {
      return {
        driver,
        live: { ok: false, reason: 'CredentialsNotFound', message: error.message, retryable: true },
      };
    }
    throw error;
  }
}
