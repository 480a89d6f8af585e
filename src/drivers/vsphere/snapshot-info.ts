// Turns a snapshot tree node into the port's SnapshotInfo: owner, intent and the VM's phase from vmsnap's mark,
// the rest from vSphere's record.

import type { DomainPhase, SnapshotInfo } from '../port.ts';
import { toRfc3339Seconds } from '../rfc3339.ts';
import { decodeVsphereDescription } from './snapshot-mark.ts';
import { type SnapshotNode, type SnapshotTree, sameMoRef } from './snapshot-tree.ts';

export function phaseOfPowerState(state: string): DomainPhase {
  switch (state) {
    case 'poweredOn':
      return 'Running';
    case 'poweredOff':
      return 'Stopped';
    case 'suspended':
      return 'Suspended';
    default:
      return 'Unknown';
  }
}

/** A snapshot restores memory when vSphere recorded the VM as on (or suspended) in it. */
export function storesMemory(node: SnapshotNode): boolean {
  return node.state === 'poweredOn' || node.state === 'suspended';
}

export function toSnapshotInfo(node: SnapshotNode, tree: SnapshotTree): SnapshotInfo {
  const mark = decodeVsphereDescription(node.description);
  const parent = node.parent ? tree.nodes.find((n) => sameMoRef(n.moref, node.parent)) : undefined;
  const created = new Date(node.createTime);
  return {
    name: node.name,
    description: mark ? mark.description : node.description,
    ...(parent ? { parent: parent.name } : {}),
    memory: storesMemory(node) && mark?.memory !== false,
    vmPhase: mark?.vmPhase ?? phaseOfPowerState(node.state),
    creationTime: toRfc3339Seconds(Number.isNaN(created.getTime()) ? new Date(0) : created),
    current: sameMoRef(node.moref, tree.current),
    // vSphere keeps snapshots as delta disks the host itself reverts and consolidates: for the port's purpose
    // (can this be reverted here?) they behave like internal snapshots.
    location: 'internal',
    ...(mark ? { owner: mark.owner } : {}),
  };
}
