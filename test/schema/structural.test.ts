import { describe, expect, it } from 'vitest';
import { checkStructuralSchema } from '../../src/apiserver/schema/index.ts';

const good = {
  type: 'object',
  properties: {
    metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 63 } } },
    spec: {
      type: 'object',
      properties: {
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        raw: { 'x-kubernetes-preserve-unknown-fields': true },
        disks: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
        },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        choice: { type: 'string', oneOf: [{ pattern: '^a' }, { maxLength: 3 }] },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          'x-kubernetes-preserve-unknown-fields': true,
        },
      },
    },
  },
};

describe('checkStructuralSchema', () => {
  it('accepts a structural schema', () => {
    expect(checkStructuralSchema(good)).toEqual([]);
  });

  it('requires a type on every node except int-or-string and preserve-unknown-fields', () => {
    expect(
      checkStructuralSchema({
        properties: { spec: { properties: { a: {} } }, list: { type: 'array', items: {} } },
      }),
    ).toEqual([
      {
        reason: 'FieldValueRequired',
        field: 'openAPIV3Schema.properties[list].items.type',
        message: 'Required value: must not be empty for specified array items',
      },
      {
        reason: 'FieldValueRequired',
        field: 'openAPIV3Schema.properties[spec].properties[a].type',
        message: 'Required value: must not be empty for specified object fields',
      },
      {
        reason: 'FieldValueRequired',
        field: 'openAPIV3Schema.properties[spec].type',
        message: 'Required value: must not be empty for specified object fields',
      },
      {
        reason: 'FieldValueRequired',
        field: 'openAPIV3Schema.type',
        message: 'Required value: must not be empty at the root',
      },
    ]);
  });

  it('requires an object at the root and items for arrays', () => {
    expect(checkStructuralSchema({ type: 'array' }, 'spec.versions[0].schema.openAPIV3Schema')).toEqual([
      {
        reason: 'FieldValueRequired',
        field: 'spec.versions[0].schema.openAPIV3Schema.items',
        message: 'Required value: must be specified',
      },
      {
        reason: 'FieldValueInvalid',
        field: 'spec.versions[0].schema.openAPIV3Schema.type',
        message: 'Invalid value: "array": must be object at the root',
      },
    ]);
  });

  it('rejects $ref and other unsupported keywords', () => {
    expect(
      checkStructuralSchema({
        type: 'object',
        properties: { a: { $ref: '#/definitions/x' } },
        definitions: { x: { type: 'string' } },
      }),
    ).toEqual([
      {
        reason: 'FieldValueForbidden',
        field: 'openAPIV3Schema.definitions',
        message: 'Forbidden: definitions is not supported',
      },
      {
        reason: 'FieldValueForbidden',
        field: 'openAPIV3Schema.properties[a].$ref',
        message: 'Forbidden: $ref is not supported',
      },
      {
        reason: 'FieldValueRequired',
        field: 'openAPIV3Schema.properties[a].type',
        message: 'Required value: must not be empty for specified object fields',
      },
    ]);
    expect(checkStructuralSchema({ type: 'object', properties: { a: { type: 'date' } } })[0]).toEqual({
      reason: 'FieldValueNotSupported',
      field: 'openAPIV3Schema.properties[a].type',
      message:
        'Unsupported value: "date": supported values: "array", "boolean", "integer", "number", "object", "string"',
    });
  });

  it('limits root metadata to name and generateName', () => {
    expect(
      checkStructuralSchema({
        type: 'object',
        properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } },
      }),
    ).toEqual([
      {
        reason: 'FieldValueForbidden',
        field: 'openAPIV3Schema.properties[metadata]',
        message:
          'Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified',
      },
    ]);
  });

  it('checks extension consistency', () => {
    const causes = checkStructuralSchema({
      type: 'object',
      properties: {
        a: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true },
        b: { type: 'string', 'x-kubernetes-list-type': 'set' },
        c: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'map' },
        d: { type: 'object', 'x-kubernetes-embedded-resource': true },
        e: {
          type: 'object',
          properties: { x: { type: 'string' } },
          additionalProperties: { type: 'string' },
        },
      },
    });
    expect(causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      'openAPIV3Schema.properties[a].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true',
      'openAPIV3Schema.properties[b].type: Invalid value: "string": must be array if x-kubernetes-list-type is specified',
      'openAPIV3Schema.properties[c].items.type: Invalid value: "string": must be object if parent array\'s x-kubernetes-list-type is map',
      'openAPIV3Schema.properties[c].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map',
      'openAPIV3Schema.properties[d].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
      'openAPIV3Schema.properties[e].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive',
    ]);
  });

  it('keeps junctors to value validations', () => {
    expect(
      checkStructuralSchema({
        type: 'object',
        properties: { a: { type: 'string', anyOf: [{ type: 'string', default: 'x' }] } },
      }),
    ).toEqual([
      {
        reason: 'FieldValueForbidden',
        field: 'openAPIV3Schema.properties[a].anyOf[0].default',
        message: 'Forbidden: must be undefined to be structural',
      },
      {
        reason: 'FieldValueForbidden',
        field: 'openAPIV3Schema.properties[a].anyOf[0].type',
        message: 'Forbidden: must be empty to be structural',
      },
    ]);
  });

  it('rejects patterns that are not regular expressions', () => {
    expect(
      checkStructuralSchema({ type: 'object', properties: { a: { type: 'string', pattern: '([a-z' } } })[0]
        ?.field,
    ).toBe('openAPIV3Schema.properties[a].pattern');
  });
});
