// The VM's `snapshot` property (VirtualMachineSnapshotInfo) flattened: one node per snapshot with its parent,
// so lookups by moref and by name are simple filters.

import { child, children, type MoRef, text, toMoRef, type XmlNode } from './soap-xml.ts';

export type VimPowerState = 'poweredOn' | 'poweredOff' | 'suspended';

export interface SnapshotNode {
  /** The identity: names are labels and may repeat on one VM. */
  moref: MoRef;
  name: string;
  description: string;
  /** ISO 8601 as the server sent it. */
  createTime: string;
  /** The VM's power state the snapshot restores: poweredOff for a snapshot without memory. */
  state: VimPowerState | string;
  quiesced: boolean;
  parent?: MoRef;
  /** Depth in the chain, 1 for a root: vSphere allows at most 32. */
  depth: number;
}

export interface SnapshotTree {
  nodes: SnapshotNode[];
  current: MoRef | undefined;
}

/** `snapshot` is absent on a VM that has never had a snapshot (or had its last one removed). */
export function parseSnapshotTree(snapshotInfo: XmlNode | undefined): SnapshotTree {
  const nodes: SnapshotNode[] = [];
  const visit = (tree: XmlNode, parent: MoRef | undefined, depth: number) => {
    const moref = toMoRef(child(tree, 'snapshot'));
    if (!moref) return;
    nodes.push({
      moref,
      name: text(child(tree, 'name')),
      description: text(child(tree, 'description')),
      createTime: text(child(tree, 'createTime')),
      state: text(child(tree, 'state')),
      quiesced: text(child(tree, 'quiesced')) === 'true',
      ...(parent ? { parent } : {}),
      depth,
    });
    for (const sub of children(tree, 'childSnapshotList')) visit(sub, moref, depth + 1);
  };
  for (const root of children(snapshotInfo, 'rootSnapshotList')) visit(root, undefined, 1);
  return { nodes, current: toMoRef(child(snapshotInfo, 'currentSnapshot')) };
}

export function sameMoRef(a: MoRef | undefined, b: MoRef | undefined): boolean {
  return a !== undefined && b !== undefined && a.value === b.value && a.type === b.type;
}
