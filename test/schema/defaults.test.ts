import { describe, expect, it } from 'vitest';
import { createSchemaPipeline } from '../../src/apiserver/schema/index.ts';
import type { KubeObject } from '../../src/apiserver/types.ts';

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer', default: 1 },
        mode: { type: 'string', default: 'fast' },
        note: { type: 'string', nullable: true, default: 'n' },
        plain: { type: 'string' },
        policy: {
          type: 'object',
          default: {},
          properties: { keep: { type: 'integer', default: 5 }, prune: { type: 'boolean', default: true } },
        },
        optional: { type: 'object', properties: { inner: { type: 'string', default: 'x' } } },
        disks: {
          type: 'array',
          items: {
            type: 'object',
            properties: { bus: { type: 'string', default: 'virtio' }, name: { type: 'string' } },
          },
        },
        sizes: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { unit: { type: 'string', default: 'Gi' } } },
        },
        tags: { type: 'array', items: { type: 'string', default: 'none' } },
        bogus: { type: 'string' },
      },
    },
  },
};

function prepare(spec: Record<string, unknown> | undefined): Record<string, unknown> {
  const object: KubeObject = { apiVersion: 'g/v1', kind: 'K', metadata: { name: 'a' } };
  if (spec !== undefined) object.spec = spec;
  return createSchemaPipeline(schema).prepare(object).object as unknown as Record<string, unknown>;
}

describe('defaulting', () => {
  it('fills absent fields, including nested defaults inside a defaulted object', () => {
    const out = prepare({});
    expect(out.spec).toEqual({ replicas: 1, mode: 'fast', note: 'n', policy: { keep: 5, prune: true } });
  });

  it('does not overwrite values that are present, including falsy ones', () => {
    const out = prepare({ replicas: 0, mode: '', policy: { keep: 0, prune: false } });
    expect(out.spec).toMatchObject({ replicas: 0, mode: '', policy: { keep: 0, prune: false } });
  });

  it('does not create a parent object just to default its children', () => {
    expect(prepare({}).spec).not.toHaveProperty('optional');
    expect(prepare(undefined)).not.toHaveProperty('spec');
    expect((prepare({ optional: {} }).spec as Record<string, unknown>).optional).toEqual({ inner: 'x' });
  });

  it('defaults inside array items and map values', () => {
    const out = prepare({ disks: [{ name: 'a' }, { name: 'b', bus: 'sata' }], sizes: { root: {} } });
    expect(out.spec).toMatchObject({
      disks: [
        { name: 'a', bus: 'virtio' },
        { name: 'b', bus: 'sata' },
      ],
      sizes: { root: { unit: 'Gi' } },
    });
  });

  it('treats null in a non-nullable field as unset: defaulted when there is a default, dropped otherwise', () => {
    const out = prepare({ replicas: null, plain: null, tags: [null, 'a'] });
    const spec = out.spec as Record<string, unknown>;
    expect(spec.replicas).toBe(1);
    expect(spec).not.toHaveProperty('plain');
    expect(spec.tags).toEqual(['none', 'a']);
  });

  it('keeps null in a nullable field', () => {
    expect((prepare({ note: null }).spec as Record<string, unknown>).note).toBeNull();
  });

  it('gives every object its own copy of a default', () => {
    const a = prepare({}).spec as { policy: { keep: number } };
    a.policy.keep = 99;
    expect((prepare({}).spec as { policy: { keep: number } }).policy.keep).toBe(5);
  });

  it('prunes before defaulting, so unknown fields never reach defaults', () => {
    const p = createSchemaPipeline(schema);
    const { object, unknownFields } = p.prepare({
      apiVersion: 'g/v1',
      kind: 'K',
      metadata: { name: 'a' },
      spec: { x: 1 },
    });
    expect(unknownFields).toEqual(['spec.x']);
    expect(object.spec).toEqual({ replicas: 1, mode: 'fast', note: 'n', policy: { keep: 5, prune: true } });
  });
});
