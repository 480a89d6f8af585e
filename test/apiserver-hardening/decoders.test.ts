// The pure pieces behind the decode checks: the limit walk, the duplicate-field scan, Go's time layouts and %#v.
import { describe, expect, it } from 'vitest';
import { findDuplicateFields } from '../../src/apiserver/http/duplicate-fields.ts';
import { base64ErrorOffset } from '../../src/apiserver/http/go-base64.ts';
import { goSyntax } from '../../src/apiserver/http/go-syntax.ts';
import { microTimeParseError, timeParseError } from '../../src/apiserver/schema/go-time.ts';
import {
  exceededJsonLimit,
  MANAGED_FIELDS_EXTRA_DEPTH,
  MAX_NESTING_DEPTH,
} from '../../src/apiserver/schema/json-limits.ts';

const nest = (depth: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let level = 0; level < depth; level++) value = { a: value };
  return value;
};
const unlimited = { maxDepth: Number.POSITIVE_INFINITY, maxValues: Number.POSITIVE_INFINITY };

describe('exceededJsonLimit', () => {
  it('counts the root object as depth 1 and stops at the first level past the limit', () => {
    expect(exceededJsonLimit(nest(3), { ...unlimited, maxDepth: 3 })).toBeUndefined();
    expect(exceededJsonLimit(nest(4), { ...unlimited, maxDepth: 3 })).toBe('depth');
    expect(exceededJsonLimit([[[]]], { ...unlimited, maxDepth: 2 })).toBe('depth');
    expect(exceededJsonLimit('scalar', { ...unlimited, maxDepth: 0 })).toBeUndefined();
  });

  it('walks a million levels without overflowing the stack', () => {
    expect(exceededJsonLimit(nest(1_000_000), { ...unlimited, maxDepth: MAX_NESTING_DEPTH })).toBe('depth');
  });

  it('counts a shared value once per place it appears (YAML aliases) and stops at the budget', () => {
    let shared: unknown = ['x', 'x', 'x'];
    for (let level = 0; level < 40; level++) shared = [shared, shared, shared];
    expect(exceededJsonLimit(shared, { ...unlimited, maxValues: 10_000 })).toBe('values');
    const leaf = ['x', 'x', 'x'];
    const small = [leaf, leaf, leaf]; // 1 + 3 * (1 + 3) = 13 values once expanded
    expect(exceededJsonLimit(small, { ...unlimited, maxValues: 13 })).toBeUndefined();
    expect(exceededJsonLimit(small, { ...unlimited, maxValues: 12 })).toBe('values');
  });

  it('gives the root metadata.managedFields its extra depth, and nothing else', () => {
    const limits = { ...unlimited, maxDepth: 10 };
    const object = (managedFieldsDepth: number) => ({
      metadata: { managedFields: nest(managedFieldsDepth - 2) },
    });
    expect(exceededJsonLimit(object(10 + MANAGED_FIELDS_EXTRA_DEPTH), limits)).toBeUndefined();
    expect(exceededJsonLimit(object(11 + MANAGED_FIELDS_EXTRA_DEPTH), limits)).toBe('depth');
    expect(exceededJsonLimit({ spec: { managedFields: nest(9) } }, limits)).toBe('depth');
  });
});

describe('findDuplicateFields', () => {
  it('names duplicates with sigs.k8s.io/json paths, each once', () => {
    const text =
      '{"a":1,"b":{"c":1,"c":2,"c":3},"list":[{"n":1},{"n":1,"n":2}],"a":2,"s":"{\\"a\\":1,\\"a\\":2}"}';
    expect(findDuplicateFields(text)).toEqual(['b.c', 'list[1].n', 'a']);
  });

  it('compares keys by their decoded value and ignores keys inside strings', () => {
    expect(findDuplicateFields('{"\\u0061":1,"a":2}')).toEqual(['a']);
    expect(findDuplicateFields('{"k":"\\"k\\":1","v":[",",{"k":1}]}')).toEqual([]);
  });

  it('finds nothing in JSON without duplicates', () => {
    expect(findDuplicateFields('[{"a":1},{"a":1}]')).toEqual([]);
  });
});

describe("Go's time layouts", () => {
  it('metav1.Time: RFC 3339 with optional fractional seconds', () => {
    expect(timeParseError('2026-01-01T00:00:00Z')).toBeUndefined();
    expect(timeParseError('2026-01-01T00:00:00.5+01:00')).toBeUndefined();
    expect(timeParseError('2026-01-01 00:00:00Z')).toBe(
      'parsing time "2026-01-01 00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 00:00:00Z" as "T"',
    );
    expect(timeParseError('2026-01-01T00:00:00Zjunk')).toBe(
      'parsing time "2026-01-01T00:00:00Zjunk" as "2006-01-02T15:04:05Z07:00": extra text: "junk"',
    );
  });

  it('metav1.MicroTime: exactly six fractional digits', () => {
    expect(microTimeParseError('2026-01-01T00:00:00.000001Z')).toBeUndefined();
    expect(microTimeParseError('2026-01-01T00:00:00Z')).toBe(
      'parsing time "2026-01-01T00:00:00Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"',
    );
  });
});

describe("Go's base64.StdEncoding offsets", () => {
  it.each([
    ['aGVsbG8=', undefined],
    ['aGVs\r\nbG8=', undefined],
    ['', undefined],
    ['!!!', 0],
    ['aGV$', 3],
    ['a===', 1],
    ['QQ==QQ==', 4],
    ['aGVsbG8', 7],
  ])('%j -> %s', (text, offset) => {
    expect(base64ErrorOffset(text)).toBe(offset);
  });

  it('accepts exactly what Node decodes back to the same text', () => {
    const text = Buffer.from('any bytes \u00ff\u0000').toString('base64');
    expect(base64ErrorOffset(text)).toBeUndefined();
  });
});

describe('goSyntax (%#v of an unstructured value)', () => {
  it('prints maps with sorted keys, slices, scalars and nil as Go does', () => {
    expect(goSyntax({ name: 'a', labels: { b: 1.5 }, list: [true, null] })).toBe(
      'map[string]interface {}{"labels":map[string]interface {}{"b":1.5}, "list":[]interface {}{true, interface {}(nil)}, "name":"a"}',
    );
  });
});
