import { createHash } from 'node:crypto';
import type { SnapshotTreeEntry } from '../../api/virtual-machine.ts';
import type { ObjectCache } from '../shared/deps.ts';

/**
 * The snapshot tree is re-listed at most this often when nothing of vmsnap's changed it: what catches snapshots
 * taken or deleted by hand (virsh, vCenter). Matches the controllers' default resync.
 */
export const TREE_RESYNC_MS = 10 * 60_000;

/** What the VM's snapshot tree depends on, as the caches show it now (see TreeRefresh). */
export interface TreeInputs {
  /** The VM's hold, if any: while an operation runs the tree is changing, so it is not listed. */
  held: boolean;
  /** See treeFingerprint. */
  fingerprint: string;
  /** See statusTreeAgrees: whether the tree already in status fits the VMSnapshots (asked on first sight only). */
  statusAgrees: () => boolean;
  now: number;
}

/**
 * Decides, per VM, when the VirtualMachine reconciler lists the domain's snapshots again. Listing costs the
 * driver one call per snapshot on libvirt (a dumpxml each), and the reconciler runs every 30 s per VM, so it lists
 * only when the tree may have changed:
 * - first sight in this process (a new VM, or a restarted operator) and the tree in status does not fit the
 *   VMSnapshots (statusTreeAgrees). When it fits, a restart does not re-list every VM at once: each VM's next
 *   listing is spread over the resync interval (by a hash of its key) as if it had been listed before;
 * - a hold was seen since the last listing and is gone now: every vmsnap operation that changes the tree (taking,
 *   deleting, reverting to a snapshot) runs under the VM's hold;
 * - the fingerprint changed: a VMSnapshot of the VM appeared, changed phase or went away (a Retain deletion takes
 *   no hypervisor action but turns its entry into a retained one), or the VM's currentSnapshot moved;
 * - TREE_RESYNC_MS passed: snapshots taken or deleted outside vmsnap.
 * In memory only: a restart costs each VM at most one listing, at once where its status tree does not fit and
 * spread over TREE_RESYNC_MS where it does; a change made outside vmsnap shows within TREE_RESYNC_MS either way.
 */
export class TreeRefresh {
  readonly #state = new Map<string, { fingerprint: string; listedAt: number; holdSeen: boolean }>();

  /** Whether to list now. While held, never; the hold is remembered so its end causes a listing. */
  due(key: string, inputs: TreeInputs): boolean {
    const last = this.#state.get(key);
    if (inputs.held) {
      if (last) last.holdSeen = true;
      return false;
    }
    if (!last) {
      if (!inputs.statusAgrees()) return true;
      const listedAt = inputs.now - spreadOffsetMs(key);
      this.#state.set(key, { fingerprint: inputs.fingerprint, listedAt, holdSeen: false });
      return false;
    }
    return (
      last.holdSeen || last.fingerprint !== inputs.fingerprint || inputs.now - last.listedAt >= TREE_RESYNC_MS
    );
  }

  /** Records a successful listing made with these inputs. */
  listed(key: string, inputs: TreeInputs): void {
    this.#state.set(key, { fingerprint: inputs.fingerprint, listedAt: inputs.now, holdSeen: false });
  }

  forget(key: string): void {
    this.#state.delete(key);
  }
}

/** Where in the resync interval a VM's periodic listing falls: fixed per key, spread evenly over keys. */
function spreadOffsetMs(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % TREE_RESYNC_MS;
}

/** The names of a VM's VMSnapshots, from the cache: all that exist, and the Ready ones not being deleted. */
export interface VmSnapshotNames {
  existing: ReadonlySet<string>;
  ready: readonly string[];
}

/**
 * Whether the tree in status fits the VMSnapshots the cache holds: every Ready VMSnapshot of the VM (not being
 * deleted) has its entry, every entry naming a VMSnapshot (not retained) names one that exists, and the current
 * entry is the VM's currentSnapshot. Used on first sight only: a tree that fits is trusted until its next periodic
 * listing; one that does not (an operation ended while no operator ran, or no tree yet) is listed at once. A
 * foreign current snapshot never fits, which costs one listing per restart.
 */
export function statusTreeAgrees(
  entries: readonly SnapshotTreeEntry[] | undefined,
  names: VmSnapshotNames,
  currentSnapshot: string | undefined,
): boolean {
  if (entries === undefined) return false;
  const owned = new Set<string>();
  for (const entry of entries) {
    if (entry.vmSnapshot === undefined || entry.retained) continue;
    if (!names.existing.has(entry.vmSnapshot)) return false;
    owned.add(entry.vmSnapshot);
  }
  if (!names.ready.every((name) => owned.has(name))) return false;
  const current = entries.find((e) => e.current);
  return (current?.vmSnapshot ?? '') === (currentSnapshot ?? '') && !current?.foreign && !current?.retained;
}

export function vmSnapshotNames(
  snapshots: ObjectCache,
  vm: { namespace: string; name: string },
): VmSnapshotNames {
  const existing = new Set<string>();
  const ready: string[] = [];
  for (const s of snapshots.list()) {
    const spec = s.spec as { vmName?: unknown } | undefined;
    if (s.metadata.namespace !== vm.namespace || spec?.vmName !== vm.name) continue;
    const name = s.metadata.name ?? '';
    existing.add(name);
    if (s.status?.phase === 'Ready' && !s.metadata.deletionTimestamp) ready.push(name);
  }
  return { existing, ready };
}

/**
 * A short text that changes whenever a VMSnapshot of the VM is created, changes phase, starts being deleted or is
 * gone, or the VM's currentSnapshot moves. Built from the informer cache: no request.
 */
export function treeFingerprint(
  snapshots: ObjectCache,
  vm: { namespace: string; name: string; currentSnapshot: string | undefined },
): string {
  const parts: string[] = [];
  for (const s of snapshots.list()) {
    const spec = s.spec as { vmName?: unknown } | undefined;
    if (s.metadata.namespace !== vm.namespace || spec?.vmName !== vm.name) continue;
    parts.push(
      `${s.metadata.uid}:${String(s.status?.phase ?? '')}:${s.metadata.deletionTimestamp ? 'd' : ''}`,
    );
  }
  parts.sort();
  return `${vm.currentSnapshot ?? ''}|${parts.join(',')}`;
}

/** The uids of the VMSnapshots of the VM that exist (not yet gone), from the cache. */
export function vmSnapshotUids(snapshots: ObjectCache, vm: { namespace: string; name: string }): Set<string> {
  const uids = new Set<string>();
  for (const s of snapshots.list()) {
    const spec = s.spec as { vmName?: unknown } | undefined;
    if (s.metadata.namespace === vm.namespace && spec?.vmName === vm.name && s.metadata.uid) {
      uids.add(s.metadata.uid);
    }
  }
  return uids;
}
