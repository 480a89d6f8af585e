import { describe, expect, it } from 'vitest';
import { createSchemaPipeline } from '../../src/apiserver/schema/index.ts';
import type { KubeObject } from '../../src/apiserver/types.ts';

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        disks: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object',
            properties: { name: { type: 'string' }, size: { type: 'integer', maximum: 100 } },
          },
        },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['port', 'protocol'],
          items: { type: 'object', properties: { port: { type: 'integer' }, protocol: { type: 'string' } } },
        },
        name: { type: 'string', maxLength: 5 },
        note: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.size() < 4' }] },
        other: { type: 'string' },
      },
    },
  },
};

const pipeline = createSchemaPipeline(schema);
const cr = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'g/v1',
  kind: 'K',
  metadata: { name: 'a' },
  spec,
});

describe('list-type set and map uniqueness', () => {
  it('reports the second occurrence of a repeated set item', () => {
    expect(pipeline.validate(cr({ tags: ['a', 'b', 'a', 'a'] }))).toEqual([
      { reason: 'FieldValueDuplicate', field: 'spec.tags[2]', message: 'Duplicate value: "a"' },
    ]);
  });

  it('reports map-list items that repeat the key fields', () => {
    expect(
      pipeline.validate(
        cr({
          disks: [
            { name: 'root', size: 1 },
            { name: 'root', size: 2 },
          ],
        }),
      ),
    ).toEqual([
      { reason: 'FieldValueDuplicate', field: 'spec.disks[1]', message: 'Duplicate value: {"name":"root"}' },
    ]);
    expect(
      pipeline.validate(
        cr({
          ports: [
            { port: 80, protocol: 'TCP' },
            { port: 80, protocol: 'UDP' },
            { protocol: 'TCP', port: 80 },
          ],
        }),
      ),
    ).toEqual([
      {
        reason: 'FieldValueDuplicate',
        field: 'spec.ports[2]',
        message: 'Duplicate value: {"port":80,"protocol":"TCP"}',
      },
    ]);
  });

  it('does not enforce uniqueness on an update when the old object already violated it', () => {
    const old = cr({ tags: ['a', 'a'] });
    expect(pipeline.validate(cr({ tags: ['a', 'a'], other: 'x' }), old)).toEqual([]);
  });
});

describe('ratcheting on update', () => {
  it('tolerates unchanged invalid values but not changed ones', () => {
    const old = cr({ name: 'too-long-name', other: 'a' });
    expect(pipeline.validate(cr({ name: 'too-long-name', other: 'b' }), old)).toEqual([]);
    // The CRD has CEL rules, so kube adds its "rules were not checked" cause after a blocking error.
    expect(pipeline.validate(cr({ name: 'still-too-long', other: 'b' }), old).map((c) => c.field)).toEqual([
      'spec.name',
      '<nil>',
    ]);
    expect(pipeline.validate(cr({ name: 'still-too-long', other: 'b' }), old)[0]).toEqual({
      reason: 'FieldValueTooLong',
      field: 'spec.name',
      message: 'Too long: may not be more than 5 bytes',
    });
    expect(pipeline.validate(cr({ name: 'too-long-name' }))[0]?.field).toBe('spec.name');
  });

  it('correlates map-list items by key, whatever their position', () => {
    const old = cr({
      disks: [
        { name: 'a', size: 500 },
        { name: 'b', size: 1 },
      ],
    });
    expect(
      pipeline.validate(
        cr({
          disks: [
            { name: 'b', size: 2 },
            { name: 'a', size: 500 },
          ],
        }),
        old,
      ),
    ).toEqual([]);
    expect(pipeline.validate(cr({ disks: [{ name: 'a', size: 501 }] }), old)[0]?.field).toBe(
      'spec.disks[0].size',
    );
  });

  it('applies to CEL rules that do not use oldSelf', () => {
    const old = cr({ note: 'longer' });
    expect(pipeline.validate(cr({ note: 'longer', other: 'x' }), old)).toEqual([]);
    expect(pipeline.validate(cr({ note: 'longest' }), old)).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.note',
        message: 'Invalid value: "string": failed rule: self.size() < 4',
      },
    ]);
  });
});
