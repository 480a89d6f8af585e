import { type Hypervisor, parseHypervisor } from '../../api/hypervisor.ts';
import { parseVirtualMachine, type VirtualMachine } from '../../api/virtual-machine.ts';
import { parseVMSnapshot, type VMSnapshot } from '../../api/vm-snapshot.ts';
import { TerminalError } from '../../runtime/terminal-error.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import { type ApiObject, SNAPSHOT_FINALIZER, VIRTUAL_MACHINES, VM_SNAPSHOTS } from '../shared/resources.ts';

/** Everything one VMSnapshot reconcile decides on, read once at its start. */
export interface LoadedSnapshot {
  key: string;
  raw: ApiObject;
  snapshot: VMSnapshot;
  /** The VM as read by `readVm`; the hold is written guarded by this object's resourceVersion. */
  vmRaw: ApiObject | undefined;
  vm: VirtualMachine | undefined;
  hypervisor: Hypervisor | undefined;
}

/** What this process remembers about its own writes for one snapshot key (kept by the reconciler). */
export interface OwnWrites {
  /** The snapshot's resourceVersion our last write of it returned; undefined if we wrote none. */
  lastWrittenVersion: string | undefined;
  /** Whether a reconcile of this key wrote, or tried to write, the VM's status. */
  wroteVm: boolean;
}

/**
 * Reads the snapshot (see readSnapshot) and its VM (see readVm), and the VM's Hypervisor from the cache.
 * undefined when the snapshot is gone. A VM or Hypervisor that does not parse counts as missing (its own
 * controller reports why).
 */
export async function loadSnapshot(
  deps: ControllerDeps,
  key: string,
  ref: { namespace: string; name: string },
  own: OwnWrites,
): Promise<LoadedSnapshot | undefined> {
  const raw = await readSnapshot(deps, ref, own.lastWrittenVersion);
  if (!raw) return undefined;
  const snapshot = parseSnapshot(raw);
  const vmRef = { namespace: ref.namespace, name: snapshot.spec.vmName };
  const vmRaw = await readVm(deps, vmRef, own.wroteVm || snapshot.identity.deleting);
  return assemble(deps, key, raw, snapshot, vmRaw);
}

/**
 * The VM from the informer cache while this key never wrote it (a new snapshot, one waiting for the hold), else
 * from the API server. A stale cached copy is safe for such a snapshot:
 * - every VM write a step makes is guarded by the copy's resourceVersion, so a stale copy only loses with 409
 *   Conflict (the step requeues, and from then on this key reads by GET: `wroteVm`);
 * - a hold naming this snapshot in the cache is still held: only this controller lets go of it, after writing a
 *   terminal status (or in Cleanup, which always reads by GET), so the Create it leads to is not a second one;
 * - a precondition read from a copy a few milliseconds old (the VM's phase) was itself observed on the
 *   hypervisor by the VirtualMachine reconciler, seconds old at worst;
 * - a VM event wakes its snapshots only after the informer stored it, so the copy is never older than the event.
 * The first reconcile of every snapshot (and each wait while another one holds the VM) saves one GET.
 */
async function readVm(
  deps: ControllerDeps,
  ref: { namespace: string; name: string },
  mustGet: boolean,
): Promise<ApiObject | undefined> {
  const cached = mustGet ? undefined : deps.virtualMachines.get(ref.namespace, ref.name);
  return cached ?? deps.client.find<ApiObject>(VIRTUAL_MACHINES, ref);
}

/**
 * The snapshot from the informer cache when the cache provably holds everything this controller wrote to it, else
 * from the API server. Its status writes are unguarded merge patches, so deciding on a copy older than our own
 * last write could redo a finished step (take the hold of a Ready snapshot again). The cache is current enough:
 * - when its resourceVersion is the one our last write of this snapshot returned (`lastWrittenVersion`; this
 *   process's memory), or
 * - when this process wrote nothing yet and the copy has no finalizer: the next step then is AddFinalizer, whose
 *   patch is guarded by a `test` of the finalizers list, so a stale copy only makes it fail and retry.
 * Anything else (another writer since, a write whose answer was lost, a restart) costs one GET as before.
 */
async function readSnapshot(
  deps: ControllerDeps,
  ref: { namespace: string; name: string },
  lastWrittenVersion: string | undefined,
): Promise<ApiObject | undefined> {
  const cached = deps.snapshots.get(ref.namespace, ref.name);
  const current =
    cached !== undefined &&
    (lastWrittenVersion === undefined
      ? !(cached.metadata.finalizers ?? []).includes(SNAPSHOT_FINALIZER)
      : cached.metadata.resourceVersion === lastWrittenVersion);
  return current ? cached : deps.client.find<ApiObject>(VM_SNAPSHOTS, ref);
}

/**
 * The same view built from objects this reconcile has just written (the write responses), so the reconcile can
 * decide its next step without reading them again. As fresh as a GET: the server returned them after our write.
 */
export function loadedFromWrites(
  deps: ControllerDeps,
  key: string,
  raw: ApiObject,
  vmRaw: ApiObject | undefined,
): LoadedSnapshot {
  return assemble(deps, key, raw, parseSnapshot(raw), vmRaw);
}

function parseSnapshot(raw: ApiObject): VMSnapshot {
  const parsed = parseVMSnapshot(raw);
  // The CRD's schema makes this unreachable for objects the API server accepted; retrying cannot fix it.
  if (!parsed.ok) throw new TerminalError(parsed.error.message);
  return parsed.value;
}

function assemble(
  deps: ControllerDeps,
  key: string,
  raw: ApiObject,
  snapshot: VMSnapshot,
  vmRaw: ApiObject | undefined,
): LoadedSnapshot {
  const vmParsed = vmRaw ? parseVirtualMachine(vmRaw) : undefined;
  const vm = vmParsed?.ok ? vmParsed.value : undefined;

  const hvRaw = vm ? deps.hypervisors.get(undefined, vm.spec.hypervisorName) : undefined;
  const hvParsed = hvRaw ? parseHypervisor(hvRaw) : undefined;
  const hypervisor = hvParsed?.ok ? hvParsed.value : undefined;

  return { key, raw, snapshot, vmRaw: vm ? vmRaw : undefined, vm, hypervisor };
}
