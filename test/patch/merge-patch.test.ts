import { describe, expect, it } from 'vitest';
import { mergePatch } from '../../src/apiserver/patch/index.ts';

// RFC 7386 Appendix A, verbatim.
const rfcExamples: [unknown, unknown, unknown][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [
    ['a', 'b'],
    ['c', 'd'],
    ['c', 'd'],
  ],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

describe('mergePatch (RFC 7386)', () => {
  it.each(rfcExamples)('merges %j with %j', (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });

  it('never mutates the target or the patch, and shares no structure with the patch', () => {
    const target = { metadata: { labels: { a: '1' } }, spec: { list: [1, 2] } };
    const patch = { metadata: { labels: { b: '2', a: null } }, spec: { nested: { x: [1] } } };
    const targetCopy = structuredClone(target);
    const patchCopy = structuredClone(patch);
    const result = mergePatch(target, patch) as { spec: { nested: { x: number[] } } };
    expect(target).toEqual(targetCopy);
    expect(patch).toEqual(patchCopy);
    result.spec.nested.x.push(2);
    expect(patch.spec.nested.x).toEqual([1]);
  });
});
