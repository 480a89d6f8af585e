import { describe, expect, it } from 'vitest';
import { createMergePatch, jsonEqual } from '../../src/runtime/merge-patch.ts';

describe('createMergePatch', () => {
  it('returns undefined when nothing changes, ignoring key order and undefined values', () => {
    expect(
      createMergePatch({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1, d: undefined }),
    ).toBeUndefined();
  });

  it('sends only changed fields, nulls for removed ones, and lists whole', () => {
    const from = { phase: 'Running', hold: { holder: 'x' }, conditions: [{ type: 'Ready', status: 'True' }] };
    const to = { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }], domainUUID: 'u' };
    expect(createMergePatch(from, to)).toEqual({
      hold: null,
      conditions: [{ type: 'Ready', status: 'False' }],
      domainUUID: 'u',
    });
  });

  it('recurses into nested objects', () => {
    expect(createMergePatch({ a: { b: 1, c: 2 } }, { a: { b: 1, c: 3 } })).toEqual({ a: { c: 3 } });
  });

  it('replaces a value whose kind changes', () => {
    expect(createMergePatch({ a: { b: 1 } }, { a: 'flat' })).toEqual({ a: 'flat' });
    expect(createMergePatch({ a: [1] }, { a: { x: 1 } })).toEqual({ a: { x: 1 } });
  });
});

describe('jsonEqual', () => {
  it('compares as serialized JSON', () => {
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual(undefined, undefined)).toBe(true);
  });
});
