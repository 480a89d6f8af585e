import type { SnapshotTreeEntry } from '../api/virtual-machine.ts';

/** What `kubectl vmsnap tree` prints: the VM's snapshot tree as its status lists it. */
export interface TreeToRender {
  entries: readonly SnapshotTreeEntry[];
  /** status.snapshotCount: how many the hypervisor has (more than entries when the status list is bounded). */
  total: number | undefined;
}

/**
 * The tree drawn the way `virsh snapshot-list --tree` draws it (same connectors, same blank lines between
 * branches; trailing spaces trimmed), one snapshot per line, named by its VMSnapshot where vmsnap took it:
 *
 *     base
 *       |
 *       +- nightly-2
 *       |   |
 *       |   +- by-hand [foreign]
 *       |
 *       +- nightly-3 (current)
 *
 * Markers: `(current)` on the hypervisor's current snapshot; `[foreign]` on snapshots vmsnap did not take (named
 * by their hypervisor name); `[retained: NAME]` on snapshots vmsnap took whose VMSnapshot is gone (named by the
 * VMSnapshot they had); `[parent NAME not listed]` on entries whose parent fell outside the status list's bound.
 * Siblings and roots keep the status order (creation time). Pure, so the shapes are unit tests.
 */
export function renderTree(tree: TreeToRender): string {
  const { entries } = tree;
  if (entries.length === 0) return 'No snapshots.\n';
  const listed = new Set(entries.map((e) => e.name));
  const children = new Map<string, SnapshotTreeEntry[]>();
  const roots: SnapshotTreeEntry[] = [];
  for (const entry of entries) {
    if (entry.parent === undefined || !listed.has(entry.parent) || entry.parent === entry.name) {
      roots.push(entry);
    } else {
      const siblings = children.get(entry.parent) ?? [];
      siblings.push(entry);
      children.set(entry.parent, siblings);
    }
  }
  const lines: string[] = [];
  const printed = new Set<string>();
  const visit = (entry: SnapshotTreeEntry, indent: string, root: boolean, last: boolean): void => {
    printed.add(entry.name);
    lines.push(`${indent}${root ? '' : '+- '}${label(entry, listed)}`);
    const below = root ? indent : `${indent}${last ? ' ' : '|'} `;
    // A cycle in a corrupt hypervisor record must not recurse forever: a name is drawn once.
    const kids = (children.get(entry.name) ?? []).filter((kid) => !printed.has(kid.name));
    if (kids.length > 0) lines.push(`${below}  |`);
    kids.forEach((kid, i) => {
      visit(kid, `${below}  `, false, i === kids.length - 1);
    });
    if (kids.length === 0 && last) lines.push(below);
  };
  for (const root of roots) visit(root, '', true, true);
  // Entries only reachable through a cycle have no root; draw them as roots rather than drop them.
  for (const entry of entries) if (!printed.has(entry.name)) visit(entry, '', true, true);

  let text = `${lines.map((line) => line.trimEnd()).join('\n')}\n`;
  if (tree.total !== undefined && tree.total > entries.length) {
    text += `(${entries.length} of ${tree.total} snapshots listed: the VirtualMachine status keeps the current one with its ancestors, then the newest)\n`;
  }
  return text;
}

function label(entry: SnapshotTreeEntry, listed: ReadonlySet<string>): string {
  const markers: string[] = [];
  let name: string;
  if (entry.foreign || entry.vmSnapshot === undefined) {
    name = entry.name;
    markers.push('[foreign]');
  } else if (entry.retained) {
    name = entry.vmSnapshot;
    markers.push(`[retained: ${entry.name}]`);
  } else {
    name = entry.vmSnapshot;
  }
  if (entry.parent !== undefined && !listed.has(entry.parent)) {
    markers.push(`[parent ${entry.parent} not listed]`);
  }
  const current = entry.current ? ' (current)' : '';
  return [`${name}${current}`, ...markers].join(' ');
}
