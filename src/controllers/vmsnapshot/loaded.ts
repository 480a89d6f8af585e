import { type Hypervisor, parseHypervisor } from '../../api/hypervisor.ts';
import { parseVirtualMachine, type VirtualMachine } from '../../api/virtual-machine.ts';
import { parseVMSnapshot, type VMSnapshot } from '../../api/vm-snapshot.ts';
import { TerminalError } from '../../runtime/terminal-error.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import { type ApiObject, VIRTUAL_MACHINES, VM_SNAPSHOTS } from '../shared/resources.ts';

/** Everything one VMSnapshot reconcile decides on, read once at its start. */
export interface LoadedSnapshot {
  key: string;
  raw: ApiObject;
  snapshot: VMSnapshot;
  /** Read from the API server (not the cache): the hold is written guarded by this object's resourceVersion. */
  vmRaw: ApiObject | undefined;
  vm: VirtualMachine | undefined;
  hypervisor: Hypervisor | undefined;
}

/**
 * Reads the snapshot and its VM from the API server and the VM's Hypervisor from the cache. undefined when the
 * snapshot is gone. A VM or Hypervisor that does not parse counts as missing (its own controller reports why).
 */
export async function loadSnapshot(
  deps: ControllerDeps,
  key: string,
  ref: { namespace: string; name: string },
): Promise<LoadedSnapshot | undefined> {
  const raw = await deps.client.find<ApiObject>(VM_SNAPSHOTS, ref);
  if (!raw) return undefined;
  const parsed = parseVMSnapshot(raw);
  // The CRD's schema makes this unreachable for objects the API server accepted; retrying cannot fix it.
  if (!parsed.ok) throw new TerminalError(parsed.error.message);
  const snapshot = parsed.value;

  const vmRaw = await deps.client.find<ApiObject>(VIRTUAL_MACHINES, {
    namespace: ref.namespace,
    name: snapshot.spec.vmName,
  });
  const vmParsed = vmRaw ? parseVirtualMachine(vmRaw) : undefined;
  const vm = vmParsed?.ok ? vmParsed.value : undefined;

  const hvRaw = vm ? deps.hypervisors.get(undefined, vm.spec.hypervisorName) : undefined;
  const hvParsed = hvRaw ? parseHypervisor(hvRaw) : undefined;
  const hypervisor = hvParsed?.ok ? hvParsed.value : undefined;

  return { key, raw, snapshot, vmRaw: vm ? vmRaw : undefined, vm, hypervisor };
}
