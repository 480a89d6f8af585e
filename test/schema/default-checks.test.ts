import { describe, expect, it } from 'vitest';
import { createSchemaPipeline, SchemaCompileError } from '../../src/apiserver/schema/index.ts';

function causesOf(spec: Record<string, unknown>): SchemaCompileError['causes'] {
  try {
    createSchemaPipeline({ type: 'object', properties: { spec } });
  } catch (error) {
    if (error instanceof SchemaCompileError) return error.causes;
    throw error;
  }
  return [];
}

describe('CRD defaults must be valid for their own schema', () => {
  it('accepts valid defaults', () => {
    expect(
      causesOf({
        type: 'object',
        default: { replicas: 2 },
        properties: {
          replicas: { type: 'integer', minimum: 1, default: 1 },
          mode: { type: 'string', enum: ['a'], default: 'a' },
        },
      }),
    ).toEqual([]);
  });

  it('rejects a default of the wrong type', () => {
    expect(
      causesOf({ type: 'object', properties: { replicas: { type: 'integer', default: 'two' } } }),
    ).toEqual([
      {
        reason: 'FieldValueTypeInvalid',
        field: 'openAPIV3Schema.properties[spec].properties[replicas].default',
        message: 'Invalid value: "string":  in body must be of type integer: "string"',
      },
    ]);
  });

  it('rejects defaults with unknown fields and defaults nested values break', () => {
    expect(
      causesOf({ type: 'object', default: { bogus: 1 }, properties: { a: { type: 'string' } } }),
    ).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'openAPIV3Schema.properties[spec].default',
        message: 'Invalid value: {"bogus":1}: must not have unknown fields',
      },
    ]);
    expect(
      causesOf({ type: 'object', default: { a: 0 }, properties: { a: { type: 'integer', minimum: 1 } } }),
    ).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'openAPIV3Schema.properties[spec].default.a',
        message: 'Invalid value: 0: a in body should be greater than or equal to 1',
      },
    ]);
  });

  it("rejects defaults that break the node's CEL rules", () => {
    expect(
      causesOf({
        type: 'object',
        properties: {
          n: {
            type: 'integer',
            default: 0,
            'x-kubernetes-validations': [{ rule: 'self > 0', message: 'must be positive' }],
          },
        },
      }),
    ).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'openAPIV3Schema.properties[spec].properties[n].default',
        message: 'Invalid value: "integer": must be positive',
      },
    ]);
  });
});
