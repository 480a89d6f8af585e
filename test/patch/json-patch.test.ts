import { describe, expect, it } from 'vitest';
import { jsonPatch } from '../../src/apiserver/patch/index.ts';
import { thrown } from './fixtures.ts';

// RFC 6902 Appendix A examples that succeed.
const rfcExamples: [string, unknown, unknown, unknown][] = [
  [
    'A.1 add an object member',
    { foo: 'bar' },
    [{ op: 'add', path: '/baz', value: 'qux' }],
    { baz: 'qux', foo: 'bar' },
  ],
  [
    'A.2 add an array element',
    { foo: ['bar', 'baz'] },
    [{ op: 'add', path: '/foo/1', value: 'qux' }],
    { foo: ['bar', 'qux', 'baz'] },
  ],
  [
    'A.3 remove an object member',
    { baz: 'qux', foo: 'bar' },
    [{ op: 'remove', path: '/baz' }],
    { foo: 'bar' },
  ],
  [
    'A.4 remove an array element',
    { foo: ['bar', 'qux', 'baz'] },
    [{ op: 'remove', path: '/foo/1' }],
    { foo: ['bar', 'baz'] },
  ],
  [
    'A.5 replace a value',
    { baz: 'qux', foo: 'bar' },
    [{ op: 'replace', path: '/baz', value: 'boo' }],
    { baz: 'boo', foo: 'bar' },
  ],
  [
    'A.6 move a value',
    { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
    [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
    { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
  ],
  [
    'A.7 move an array element',
    { foo: ['all', 'grass', 'cows', 'eat'] },
    [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
    { foo: ['all', 'cows', 'eat', 'grass'] },
  ],
  [
    'A.8 test a value: success',
    { baz: 'qux', foo: ['a', 2, 'c'] },
    [
      { op: 'test', path: '/baz', value: 'qux' },
      { op: 'test', path: '/foo/1', value: 2 },
    ],
    { baz: 'qux', foo: ['a', 2, 'c'] },
  ],
  [
    'A.10 add a nested member object',
    { foo: 'bar' },
    [{ op: 'add', path: '/child', value: { grandchild: {} } }],
    { foo: 'bar', child: { grandchild: {} } },
  ],
  [
    'A.14 ~ escape ordering',
    { '/': 9, '~1': 10 },
    [{ op: 'test', path: '/~01', value: 10 }],
    { '/': 9, '~1': 10 },
  ],
  [
    'A.16 add an array value',
    { foo: ['bar'] },
    [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
    { foo: ['bar', ['abc', 'def']] },
  ],
];

describe('jsonPatch (RFC 6902)', () => {
  it.each(rfcExamples)('%s', (_name, target, ops, expected) => {
    expect(jsonPatch(target, ops)).toEqual(expected);
  });

  it('A.9: a failed test is 422 Invalid naming the op and path, and nothing is applied', () => {
    const target = { baz: 'qux' };
    const error = thrown(() =>
      jsonPatch(target, [
        { op: 'add', path: '/added', value: 1 },
        { op: 'test', path: '/baz', value: 'bar' },
      ]),
    );
    expect(error.code).toBe(422);
    expect(error.reason).toBe('Invalid');
    expect(error.message).toBe('the server rejected our request due to an error in our request');
    expect(error.details?.causes).toEqual([
      { reason: 'UnexpectedServerResponse', message: 'testing value /baz failed: test failed' },
    ]);
    expect(target).toEqual({ baz: 'qux' });
  });

  it('supports optimistic finalizer removal with test ops, failing when a concurrent writer changed the list', () => {
    const live = { metadata: { finalizers: ['vmsnap.io/cleanup', 'other'] } };
    const removeOurs = [
      { op: 'test', path: '/metadata/finalizers/0', value: 'vmsnap.io/cleanup' },
      { op: 'remove', path: '/metadata/finalizers/0' },
    ];
    expect(jsonPatch(live, removeOurs)).toEqual({ metadata: { finalizers: ['other'] } });
    const changedMeanwhile = { metadata: { finalizers: ['other', 'vmsnap.io/cleanup'] } };
    expect(thrown(() => jsonPatch(changedMeanwhile, removeOurs)).code).toBe(422);
  });

  it('A.12: adding to a nonexistent target is 422 naming the operation', () => {
    const error = thrown(() => jsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]));
    expect(error.code).toBe(422);
    expect(error.details?.causes?.[0]?.message).toMatch(
      /^add operation does not apply: doc is missing path: "\/baz\/bat"/,
    );
  });

  it.each([
    [
      { op: 'remove', path: '/nope' },
      "error in remove for path: '/nope': Unable to remove nonexistent key: nope: missing value",
    ],
    [
      { op: 'remove', path: '/a/b' },
      'remove operation does not apply: doc is missing path: "/a/b": missing value',
    ],
    [
      { op: 'replace', path: '/nope', value: 1 },
      'replace operation does not apply: doc is missing key: /nope: missing value',
    ],
    [
      { op: 'test', path: '/a/b', value: 1 },
      'test operation does not apply: is missing path: /a/b: missing value',
    ],
    [
      { op: 'move', from: '/nope', path: '/x' },
      'move operation does not apply: doc is missing from path: /nope: missing value',
    ],
    [{ op: 'frobnicate', path: '/a' }, 'Unexpected kind: frobnicate'],
  ])('%j fails with 422 and cause %j', (op, cause) => {
    const error = thrown(() => jsonPatch({}, [op]));
    expect(error.code).toBe(422);
    expect(error.details?.causes?.[0]?.message).toBe(cause);
  });

  it('testing null against a missing key succeeds, as in kube, but not below a missing parent', () => {
    expect(jsonPatch({ a: 1 }, [{ op: 'test', path: '/b', value: null }])).toEqual({ a: 1 });
    expect(thrown(() => jsonPatch({ a: 1 }, [{ op: 'test', path: '/b/c', value: null }])).code).toBe(422);
  });

  it('more than 10000 operations is 413', () => {
    const ops = Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/a', value: 1 }));
    expect(thrown(() => jsonPatch({ a: 1 }, ops)).code).toBe(413);
  });

  it('a document that is not an array of operations is 400 BadRequest', () => {
    const notArray = thrown(() => jsonPatch({}, { op: 'add', path: '/a', value: 1 }));
    expect(notArray.code).toBe(400);
    expect(notArray.reason).toBe('BadRequest');
    expect(thrown(() => jsonPatch({}, ['add'])).code).toBe(400);
  });

  it('does not mutate the target', () => {
    const target = { a: { b: [1] } };
    jsonPatch(target, [{ op: 'add', path: '/a/b/-', value: 2 }]);
    expect(target).toEqual({ a: { b: [1] } });
  });
});
