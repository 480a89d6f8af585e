import { describe, expect, it } from 'vitest';
import { createSchemaPipeline, pruneUnknownMetadataFields } from '../../src/apiserver/schema/index.ts';
import type { KubeObject } from '../../src/apiserver/types.ts';

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        items: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        ports: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { port: { type: 'integer' } } },
        },
        raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        mixed: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { known: { type: 'object', properties: { a: { type: 'string' } } } },
        },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: { image: { type: 'string' } } } },
        },
      },
    },
  },
};

function object(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'Thing',
    metadata: { name: 'a', namespace: 'ns' },
    spec,
    ...extra,
  };
}

describe('pruning', () => {
  const pipeline = createSchemaPipeline(schema);

  it('removes unknown fields and reports their paths in kube notation, sorted', () => {
    const { object: pruned, unknownFields } = pipeline.prepare(
      object({ name: 'n', bogus: 1, items: [{ name: 'x', extra: true }, { other: 2 }] }, { top: 'level' }),
    );
    expect(unknownFields).toEqual(['spec.bogus', 'spec.items[0].extra', 'spec.items[1].other', 'top']);
    expect(pruned.spec).toEqual({ name: 'n', items: [{ name: 'x' }, {}] });
    expect(pruned).not.toHaveProperty('top');
  });

  it('always keeps apiVersion, kind and metadata at the root', () => {
    const input = object({});
    input.metadata.labels = { app: 'x' };
    const { object: pruned, unknownFields } = pipeline.prepare(input);
    expect(unknownFields).toEqual([]);
    expect(pruned.apiVersion).toBe('vmsnap.io/v1alpha1');
    expect(pruned.kind).toBe('Thing');
    expect(pruned.metadata).toEqual({ name: 'a', namespace: 'ns', labels: { app: 'x' } });
  });

  it('does not modify the object it was given', () => {
    const input = object({ bogus: 1 });
    pipeline.prepare(input);
    expect(input.spec).toEqual({ bogus: 1 });
  });

  it('keeps map keys and prunes inside map values', () => {
    const { object: pruned, unknownFields } = pipeline.prepare(
      object({ labels: { a: 'b', 'c.d/e': 'f' }, ports: { http: { port: 80, proto: 'TCP' } } }),
    );
    expect(pruned.spec).toEqual({ labels: { a: 'b', 'c.d/e': 'f' }, ports: { http: { port: 80 } } });
    expect(unknownFields).toEqual(['spec.ports.http.proto']);
  });

  it('keeps everything under x-kubernetes-preserve-unknown-fields but still prunes declared properties', () => {
    const { object: pruned, unknownFields } = pipeline.prepare(
      object({ raw: { any: { deep: [1, { x: 2 }] } }, mixed: { free: 1, known: { a: 'x', b: 'pruned' } } }),
    );
    expect(pruned.spec).toEqual({
      raw: { any: { deep: [1, { x: 2 }] } },
      mixed: { free: 1, known: { a: 'x' } },
    });
    expect(unknownFields).toEqual(['spec.mixed.known.b']);
  });

  it('keeps apiVersion/kind/metadata of embedded resources and drops unknown ObjectMeta fields there', () => {
    const { object: pruned, unknownFields } = pipeline.prepare(
      object({
        template: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'p', labels: { a: 'b' }, notMeta: 1 },
          spec: { image: 'i', bogus: 2 },
          status: {},
        },
      }),
    );
    expect(pruned.spec).toEqual({
      template: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', labels: { a: 'b' } },
        spec: { image: 'i' },
      },
    });
    expect(unknownFields).toEqual([
      'spec.template.metadata.notMeta',
      'spec.template.spec.bogus',
      'spec.template.status',
    ]);
  });

  it('prunes the contents of an object with no declared fields', () => {
    const p = createSchemaPipeline({ type: 'object', properties: { spec: { type: 'object' } } });
    const { object: pruned, unknownFields } = p.prepare(object({ a: 1, b: { c: 2 } }));
    expect(pruned.spec).toEqual({});
    expect(unknownFields).toEqual(['spec.a', 'spec.b']);
  });

  it('pruneUnknownMetadataFields reports root metadata fields ObjectMeta does not have', () => {
    const meta: Record<string, unknown> = { name: 'a', bogus: 1, labels: {}, clusterName: 'x' };
    expect(pruneUnknownMetadataFields(meta)).toEqual(['metadata.bogus', 'metadata.clusterName']);
    expect(meta).toEqual({ name: 'a', labels: {} });
  });
});
