// Which VMs a schedule covers (label selector semantics) and the label values it stamps on snapshots.
import { describe, expect, it } from 'vitest';
import type { LabelSelector } from '../../src/api/index.ts';
import { labelsMatch, selectVmNames } from '../../src/controllers/vmsnapshotschedule/select-vms.ts';
import { labelValueFor } from '../../src/schedule/index.ts';

const VMS: { name: string; labels: Record<string, string> }[] = [
  { name: 'db-1', labels: { tier: 'db', env: 'prod' } },
  { name: 'db-2', labels: { tier: 'db', env: 'test' } },
  { name: 'web-1', labels: { tier: 'web' } },
  { name: 'bare', labels: {} },
];

describe('selectVmNames', () => {
  it.each([
    ['matchLabels', { matchLabels: { tier: 'db' } }, ['db-1', 'db-2']],
    [
      'matchLabels and an expression',
      { matchLabels: { tier: 'db' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] },
      ['db-1'],
    ],
    [
      'NotIn (absent key matches)',
      { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['test'] }] },
      ['bare', 'db-1', 'web-1'],
    ],
    ['Exists', { matchExpressions: [{ key: 'env', operator: 'Exists' }] }, ['db-1', 'db-2']],
    ['DoesNotExist', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, ['bare']],
    ['empty selector selects all', {}, ['bare', 'db-1', 'db-2', 'web-1']],
  ] as const)('%s', (_, selector, expected) => {
    expect(
      selectVmNames({ by: 'selector', selector: structuredClone(selector) as LabelSelector }, VMS),
    ).toEqual(expected);
  });

  it('vmNames: the listed VMs that exist, sorted', () => {
    expect(selectVmNames({ by: 'names', vmNames: ['web-1', 'gone', 'db-2'] }, VMS)).toEqual([
      'db-2',
      'web-1',
    ]);
  });

  it('a value must match exactly', () => {
    expect(labelsMatch({ matchLabels: { tier: 'd' } }, { tier: 'db' })).toBe(false);
  });
});

describe('labelValueFor', () => {
  const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

  it('is the name itself when it fits', () => {
    expect(labelValueFor('db-every-6h')).toBe('db-every-6h');
    expect(labelValueFor('a'.repeat(63))).toBe('a'.repeat(63));
  });

  it('is a valid, distinct label value of at most 63 characters for long names', () => {
    const long = [
      `${'a'.repeat(60)}.${'b'.repeat(100)}`,
      `${'a'.repeat(60)}.${'c'.repeat(100)}`,
      `${'x'.repeat(54)}-${'y'.repeat(60)}`,
    ];
    const values = long.map(labelValueFor);
    for (const value of values) {
      expect(value.length).toBeLessThanOrEqual(63);
      expect(value).toMatch(LABEL_VALUE);
    }
    expect(new Set(values).size).toBe(long.length);
    expect(labelValueFor(long[0] ?? '')).toBe(values[0]);
  });
});
