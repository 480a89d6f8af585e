import { describe, expect, it } from 'vitest';
import { createSchemaPipeline } from '../../src/apiserver/schema/index.ts';
import type { KubeObject } from '../../src/apiserver/types.ts';

const pipeline = createSchemaPipeline({
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          'x-kubernetes-preserve-unknown-fields': true,
        },
      },
    },
  },
});

const cr = (template: unknown): KubeObject => ({
  apiVersion: 'g/v1',
  kind: 'K',
  metadata: { name: 'a' },
  spec: { template },
});

describe('embedded resources', () => {
  it('accepts an embedded object with apiVersion, kind and valid metadata (name optional)', () => {
    expect(
      pipeline.validate(
        cr({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { labels: { a: 'b' } }, data: {} }),
      ),
    ).toEqual([]);
  });

  it('requires apiVersion and kind', () => {
    expect(pipeline.validate(cr({ metadata: {} }))).toEqual([
      {
        reason: 'FieldValueRequired',
        field: 'spec.template.apiVersion',
        message: 'Required value: must not be empty',
      },
      {
        reason: 'FieldValueRequired',
        field: 'spec.template.kind',
        message: 'Required value: must not be empty',
      },
    ]);
  });

  it('checks kind syntax and embedded metadata with paths under the embedded object', () => {
    const causes = pipeline.validate(
      cr({ apiVersion: 'a/b/c', kind: 'Config_Map', metadata: { name: 'x/y', labels: { 'bad key': 'v' } } }),
    );
    expect(causes.map((c) => c.field)).toEqual([
      'spec.template.apiVersion',
      'spec.template.kind',
      'spec.template.metadata.name',
      'spec.template.metadata.labels',
    ]);
    expect(causes[0]?.message).toBe('Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c');
    expect(causes[1]?.message).toMatch(
      /^Invalid value: "Config_Map": may have mixed case, but should otherwise match: a DNS-1035 label/,
    );
    expect(causes[2]?.message).toBe(`Invalid value: "x/y": may not contain '/'`);
  });

  it('keeps unknown fields of a preserve-unknown embedded resource', () => {
    const { object, unknownFields } = pipeline.prepare(
      cr({ apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } }),
    );
    expect(unknownFields).toEqual([]);
    expect(object.spec).toEqual({ template: { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } } });
  });
});
