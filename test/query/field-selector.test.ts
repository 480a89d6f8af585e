import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/apiserver/errors.ts';
import { compileFieldSelector, parseFieldSelector } from '../../src/apiserver/query/field-selector.ts';
import type { KubeObject } from '../../src/apiserver/types.ts';

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(400);
    return (error as ApiError).message;
  }
  throw new Error('expected a 400 BadRequest');
}

function vm(namespace: string | undefined, name: string, spec: Record<string, unknown>): KubeObject {
  const metadata = namespace === undefined ? { name } : { name, namespace };
  return { apiVersion: 'vmsnap.io/v1alpha1', kind: 'VirtualMachine', metadata, spec };
}

const objects = [
  vm('prod', 'web-1', { hypervisorName: 'kvm-01', maxSnapshots: 10, paused: false }),
  vm('prod', 'web-2', { hypervisorName: 'kvm-02' }),
  vm('dev', 'web-1', { hypervisorName: 'kvm-01', maxSnapshots: 3 }),
  vm(undefined, 'cluster-wide', {}),
];
const selectable = ['spec.hypervisorName', 'spec.maxSnapshots', 'spec.paused'];

function selects(selector: string): string[] {
  const matcher = compileFieldSelector(selector, selectable);
  return objects
    .filter((o) => matcher.matches(o))
    .map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`);
}

describe('compileFieldSelector', () => {
  it.each([
    ['', ['prod/web-1', 'prod/web-2', 'dev/web-1', '/cluster-wide']],
    ['metadata.name=web-1', ['prod/web-1', 'dev/web-1']],
    ['metadata.name==web-1,metadata.namespace!=dev', ['prod/web-1']],
    ['metadata.namespace=', ['/cluster-wide']],
    ['spec.hypervisorName=kvm-01', ['prod/web-1', 'dev/web-1']],
    ['spec.maxSnapshots=10', ['prod/web-1']],
    ['spec.paused=false', ['prod/web-1']],
    ['spec.maxSnapshots!=10', ['prod/web-2', 'dev/web-1', '/cluster-wide']],
    [',metadata.name=web-2,', ['prod/web-2']],
  ])('%j selects %j', (selector, expected) => {
    expect(selects(selector)).toEqual(expected);
  });

  it('rejects fields the resource does not declare, with kube message', () => {
    expect(badRequest(() => compileFieldSelector('spec.domain=web', selectable))).toBe(
      'field label not supported: spec.domain',
    );
    expect(badRequest(() => compileFieldSelector('status.phase=Running', []))).toBe(
      'field label not supported: status.phase',
    );
  });

  it('reports the pinned value of a field for get-by-name shortcuts', () => {
    const matcher = compileFieldSelector('metadata.name=web-1,metadata.namespace!=dev', []);
    expect(matcher.exactValue('metadata.name')).toBe('web-1');
    expect(matcher.exactValue('metadata.namespace')).toBeUndefined();
  });
});

describe('parseFieldSelector', () => {
  it('unescapes values and splits only on unescaped commas', () => {
    expect(parseFieldSelector('metadata.name=a\\,b\\=c\\\\d,metadata.namespace!=x')).toEqual([
      { field: 'metadata.name', operator: '=', value: 'a,b=c\\d' },
      { field: 'metadata.namespace', operator: '!=', value: 'x' },
    ]);
  });

  it('reads `a==b` as equality with b, not a = "=b"', () => {
    expect(parseFieldSelector('metadata.name==b')).toEqual([
      { field: 'metadata.name', operator: '==', value: 'b' },
    ]);
  });

  it.each([
    ['metadata.name', "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
    ['a=b=c', 'invalid field selector: unescaped character in value: ='],
  ])('rejects %j: %s', (selector, message) => {
    expect(badRequest(() => parseFieldSelector(selector))).toBe(message);
  });
});
