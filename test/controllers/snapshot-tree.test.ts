import { describe, expect, it } from 'vitest';
import type { ApiObject } from '../../src/controllers/shared/resources.ts';
import { buildSnapshotTree } from '../../src/controllers/virtualmachine/snapshot-tree.ts';
import {
  statusTreeAgrees,
  TREE_RESYNC_MS,
  TreeRefresh,
  treeFingerprint,
} from '../../src/controllers/virtualmachine/tree-refresh.ts';
import type { SnapshotInfo } from '../../src/drivers/port.ts';

const info = (
  name: string,
  second: number,
  extra: Partial<SnapshotInfo> = {},
  /** null: a foreign snapshot (no owner recorded). */
  owner: string | null = name,
): SnapshotInfo => ({
  name,
  description: '',
  memory: false,
  vmPhase: 'Running',
  creationTime: `2026-11-24T10:00:${String(second).padStart(2, '0')}Z`,
  current: false,
  location: 'internal',
  ...(owner ? { owner: { uid: `uid-${owner}`, namespace: 'prod', name: owner } } : {}),
  ...extra,
});

describe('VirtualMachine status.snapshots', () => {
  it('lists every snapshot in creation order with parent, current, owner, foreign and retained', () => {
    const tree = buildSnapshotTree(
      [
        info('c', 3, { parent: 'b', current: true, memory: true }),
        info('by-hand', 2, { parent: 'a' }, null),
        info('a', 1),
        info('b', 2, { parent: 'a' }),
      ],
      new Set(['uid-a', 'uid-c']),
    );
    expect(tree.total).toBe(4);
    expect(tree.entries).toEqual([
      { name: 'a', creationTime: '2026-11-24T10:00:01Z', memory: false, vmSnapshot: 'a' },
      {
        name: 'b',
        parent: 'a',
        creationTime: '2026-11-24T10:00:02Z',
        memory: false,
        vmSnapshot: 'b',
        retained: true,
      },
      { name: 'by-hand', parent: 'a', creationTime: '2026-11-24T10:00:02Z', memory: false, foreign: true },
      {
        name: 'c',
        parent: 'b',
        current: true,
        creationTime: '2026-11-24T10:00:03Z',
        memory: true,
        vmSnapshot: 'c',
      },
    ]);
  });

  it('gives the same entries for the same snapshots in any order (no status write for a reordered list)', () => {
    const infos = [info('a', 1), info('b', 1, { parent: 'a' }), info('c', 5, { parent: 'b' })];
    const uids = new Set(['uid-a', 'uid-b', 'uid-c']);
    expect(buildSnapshotTree([...infos].reverse(), uids)).toEqual(buildSnapshotTree(infos, uids));
  });

  it('beyond the bound keeps the current snapshot with its ancestors, then the newest, and counts them all', () => {
    // A chain s0 <- s1 <- ... <- s9 and the current one at s2: its ancestors s0, s1 are old but kept.
    const infos = Array.from({ length: 10 }, (_, i) =>
      info(`s${i}`, i, { ...(i > 0 ? { parent: `s${i - 1}` } : {}), current: i === 2 }),
    );
    const tree = buildSnapshotTree(infos, new Set(), 5);
    expect(tree.total).toBe(10);
    expect(tree.entries.map((e) => e.name)).toEqual(['s0', 's1', 's2', 's8', 's9']);
  });
});

describe('when the VirtualMachine reconciler lists the snapshot tree', () => {
  const at = (now: number, fingerprint = 'f', held = false, agrees = false) => ({
    now,
    fingerprint,
    held,
    statusAgrees: () => agrees,
  });

  it('lists once, then only when the fingerprint changes or the resync interval passed', () => {
    const refresh = new TreeRefresh();
    expect(refresh.due('vm', at(0))).toBe(true);
    refresh.listed('vm', at(0));
    expect(refresh.due('vm', at(30_000))).toBe(false);
    expect(refresh.due('vm', at(30_000, 'g'))).toBe(true);
    expect(refresh.due('vm', at(TREE_RESYNC_MS))).toBe(true);
  });

  it('never lists while the VM is held, and lists once the hold is gone', () => {
    const refresh = new TreeRefresh();
    refresh.listed('vm', at(0));
    expect(refresh.due('vm', at(1_000, 'f', true))).toBe(false);
    // Same fingerprint (a revert changes no VMSnapshot), yet the operation may have changed the tree.
    expect(refresh.due('vm', at(2_000))).toBe(true);
    refresh.listed('vm', at(2_000));
    expect(refresh.due('vm', at(3_000))).toBe(false);
  });

  it('after a restart, trusts a status tree that fits the VMSnapshots and spreads its next listing', () => {
    const refresh = new TreeRefresh();
    const keys = Array.from({ length: 50 }, (_, i) => `prod/vm-${i}`);
    for (const key of keys) expect(refresh.due(key, at(0, 'f', false, true))).toBe(false);
    // Every VM lists again within one resync interval, not all at the same moment.
    const firstDue = keys.map((key) => {
      for (let t = 0; t <= TREE_RESYNC_MS; t += 10_000) if (refresh.due(key, at(t))) return t;
      return Number.POSITIVE_INFINITY;
    });
    expect(Math.max(...firstDue)).toBeLessThanOrEqual(TREE_RESYNC_MS);
    expect(new Set(firstDue).size).toBeGreaterThan(10);
    // A tree that does not fit is listed at once.
    expect(new TreeRefresh().due('prod/vm-0', at(0, 'f', false, false))).toBe(true);
  });

  it('a listing whose status write was lost is due again (listed() is only called after the write)', () => {
    const refresh = new TreeRefresh();
    refresh.listed('vm', at(0));
    expect(refresh.due('vm', at(1_000, 'changed'))).toBe(true);
    // no listed(): the write conflicted
    expect(refresh.due('vm', at(1_100, 'changed'))).toBe(true);
  });

  it('a status tree fits only with every Ready VMSnapshot, no gone one, and the same current snapshot', () => {
    const entries = [
      { name: 'vs-a', vmSnapshot: 'a' },
      { name: 'vs-b', parent: 'vs-a', vmSnapshot: 'b', current: true },
      { name: 'by-hand', parent: 'vs-a', foreign: true },
      { name: 'vs-old', vmSnapshot: 'old', retained: true },
    ];
    const names = (existing: string[], ready = existing) => ({ existing: new Set(existing), ready });
    expect(statusTreeAgrees(entries, names(['a', 'b']), 'b')).toBe(true);
    expect(statusTreeAgrees(entries, names(['a', 'b', 'c']), 'b')).toBe(false);
    expect(statusTreeAgrees(entries, names(['a', 'b', 'c'], ['a', 'b']), 'b')).toBe(true);
    expect(statusTreeAgrees(entries, names(['b']), 'b')).toBe(false);
    expect(statusTreeAgrees(entries, names(['a', 'b']), 'a')).toBe(false);
    expect(statusTreeAgrees(undefined, names([]), undefined)).toBe(false);
  });

  it('fingerprints the VM snapshots by uid, phase and deletion, and the VM current snapshot', () => {
    const snap = (uid: string, vmName: string, phase: string, deleting = false): ApiObject => ({
      metadata: { name: uid, namespace: 'prod', uid, ...(deleting ? { deletionTimestamp: 't' } : {}) },
      spec: { vmName },
      status: { phase },
    });
    const cache = (items: ApiObject[]) => ({ list: () => items, get: () => undefined });
    const vm = { namespace: 'prod', name: 'web-1', currentSnapshot: 'a' };
    const base = treeFingerprint(cache([snap('a', 'web-1', 'Ready'), snap('x', 'web-2', 'Ready')]), vm);
    expect(treeFingerprint(cache([snap('a', 'web-1', 'Ready')]), vm)).toBe(base);
    expect(treeFingerprint(cache([snap('a', 'web-1', 'Ready', true)]), vm)).not.toBe(base);
    expect(treeFingerprint(cache([snap('a', 'web-1', 'Deleting')]), vm)).not.toBe(base);
    expect(treeFingerprint(cache([]), vm)).not.toBe(base);
    expect(treeFingerprint(cache([snap('a', 'web-1', 'Ready')]), { ...vm, currentSnapshot: 'b' })).not.toBe(
      base,
    );
  });
});
