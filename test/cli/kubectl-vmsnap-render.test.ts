import { describe, expect, it } from 'vitest';
import type { SnapshotTreeEntry } from '../../src/api/virtual-machine.ts';
import { renderTree } from '../../src/cli/kubectl-vmsnap-render.ts';

/** A snapshot vmsnap took, named after its VMSnapshot (hypervisor name `vs-<name>`). */
const owned = (name: string, parent?: string, extra: Partial<SnapshotTreeEntry> = {}): SnapshotTreeEntry => ({
  name: `vs-${name}`,
  ...(parent ? { parent: `vs-${parent}` } : {}),
  vmSnapshot: name,
  ...extra,
});

const lines = (text: string) => text.split('\n');

describe('kubectl vmsnap tree: rendering', () => {
  // The same tree virsh 9.0 printed for s1 -> {s2 -> s3, s4 -> s5, s6} (`virsh snapshot-list --tree`), with
  // its trailing spaces trimmed.
  it('draws a tree exactly the way virsh snapshot-list --tree does', () => {
    const entries = [
      owned('s1'),
      owned('s2', 's1'),
      owned('s3', 's2'),
      owned('s4', 's1'),
      owned('s5', 's4'),
      owned('s6', 's1'),
    ];
    expect(renderTree({ entries, total: 6 })).toBe(
      [
        's1',
        '  |',
        '  +- s2',
        '  |   |',
        '  |   +- s3',
        '  |',
        '  +- s4',
        '  |   |',
        '  |   +- s5',
        '  |',
        '  +- s6',
        '',
        '',
      ].join('\n'),
    );
  });

  it('draws several roots the way virsh does: a blank line after a root without children', () => {
    const entries = [owned('s2'), owned('s2b', 's2'), owned('s3')];
    expect(renderTree({ entries, total: 3 })).toBe(['s2', '  |', '  +- s2b', '', 's3', '', ''].join('\n'));
  });

  it('marks the current snapshot, foreign ones by their hypervisor name, and retained ones', () => {
    const entries: SnapshotTreeEntry[] = [
      owned('base'),
      { name: 'by-hand', parent: 'vs-base', foreign: true },
      owned('gone', 'base', { retained: true }),
      owned('latest', 'gone', { current: true }),
    ];
    const text = renderTree({ entries, total: 4 });
    expect(lines(text)).toEqual([
      'base',
      '  |',
      '  +- by-hand [foreign]',
      '  +- gone [retained: vs-gone]',
      '      |',
      '      +- latest (current)',
      '',
      '',
    ]);
  });

  it('says when the status list is bounded, and draws entries whose parent fell outside it as roots', () => {
    const entries = [owned('c', 'b'), owned('d', 'c', { current: true })];
    const text = renderTree({ entries, total: 4 });
    expect(lines(text)[0]).toBe('c [parent vs-b not listed]');
    expect(text).toContain('+- d (current)');
    expect(text).toContain('(2 of 4 snapshots listed');
  });

  it('says so when the VM has no snapshots', () => {
    expect(renderTree({ entries: [], total: 0 })).toBe('No snapshots.\n');
  });

  it('draws every entry once even when corrupt records form a cycle', () => {
    const entries = [owned('a', 'b'), owned('b', 'a')];
    const text = renderTree({ entries, total: 2 });
    expect(text.match(/\ba\b/g)).toHaveLength(1);
    expect(text.match(/\bb\b/g)).toHaveLength(1);
  });
});
