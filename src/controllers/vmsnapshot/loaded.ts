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
  /** Read from the API server (not the cache): the hold is written guarded by this object's resourceVersion. */
  vmRaw: ApiObject | undefined;
  vm: VirtualMachine | undefined;
  hypervisor: Hypervisor | undefined;
}

/**
 * Reads the snapshot (see readSnapshot) and its VM (from the API server), and the VM's Hypervisor from the cache.
 * undefined when the snapshot is gone. A VM or Hypervisor that does not parse counts as missing (its own
 * controller reports why).
 */
export async function loadSnapshot(
  deps: ControllerDeps,
  key: string,
  ref: { namespace: string; name: string },
  lastWrittenVersion: string | undefined,
): Promise<LoadedSnapshot | undefined> {
  const raw = await readSnapshot(deps, ref, lastWrittenVersion);
  if (!raw) return undefined;
  const snapshot = parseSnapshot(raw);
  const vmRaw = await deps.client.find<ApiObject>(VIRTUAL_MACHINES, {
    namespace: ref.namespace,
    name: snapshot.spec.vmName,
  });
  return assemble(deps, key, raw, snapshot, vmRaw);
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
