import { MAX_SNAPSHOT_TREE_ENTRIES, type SnapshotTreeEntry } from '../../api/virtual-machine.ts';
import type { SnapshotInfo } from '../../drivers/port.ts';

/** What VirtualMachine.status.snapshots and status.snapshotCount say. */
export interface SnapshotTree {
  entries: SnapshotTreeEntry[];
  /** Every snapshot the hypervisor has for the VM, listed or not. */
  total: number;
}

/**
 * The VM's snapshot tree for its status, from the driver's list (in no particular order) and the uids of the
 * VMSnapshots that exist now. Pure and deterministic: the same hypervisor state gives the same entries in the
 * same order, so an unchanged tree never causes a status write.
 *
 * Beyond `limit` entries, the current snapshot and its ancestors are kept first (the path a user reverts along
 * and the one `kubectl vmsnap tree` marks), then the newest; an entry whose parent was left out keeps the
 * parent's name, so readers can tell it is not a root.
 */
export function buildSnapshotTree(
  infos: readonly SnapshotInfo[],
  existingVmSnapshotUids: ReadonlySet<string>,
  limit = MAX_SNAPSHOT_TREE_ENTRIES,
): SnapshotTree {
  const ordered = [...infos].sort(
    (a, b) => a.creationTime.localeCompare(b.creationTime) || a.name.localeCompare(b.name),
  );
  const kept = ordered.length <= limit ? ordered : keepWithinLimit(ordered, limit);
  return { entries: kept.map((info) => toEntry(info, existingVmSnapshotUids)), total: infos.length };
}

function keepWithinLimit(ordered: readonly SnapshotInfo[], limit: number): SnapshotInfo[] {
  const byName = new Map(ordered.map((info) => [info.name, info]));
  const keep = new Set<string>();
  // The current one and its ancestors first; a cycle (a corrupt hypervisor record) ends at a name seen before.
  let next = ordered.find((info) => info.current);
  while (next && keep.size < limit && !keep.has(next.name)) {
    keep.add(next.name);
    next = next.parent === undefined ? undefined : byName.get(next.parent);
  }
  for (let i = ordered.length - 1; i >= 0 && keep.size < limit; i--) keep.add(ordered[i]!.name);
  return ordered.filter((info) => keep.has(info.name));
}

function toEntry(info: SnapshotInfo, existingVmSnapshotUids: ReadonlySet<string>): SnapshotTreeEntry {
  const entry: SnapshotTreeEntry = { name: info.name };
  if (info.parent !== undefined) entry.parent = info.parent;
  if (info.current) entry.current = true;
  if (info.creationTime) entry.creationTime = info.creationTime;
  entry.memory = info.memory;
  if (info.owner === undefined) {
    entry.foreign = true;
  } else {
    entry.vmSnapshot = info.owner.name;
    if (!existingVmSnapshotUids.has(info.owner.uid)) entry.retained = true;
  }
  return entry;
}
