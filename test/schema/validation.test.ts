import { describe, expect, it } from 'vitest';
import { createSchemaPipeline, SchemaCompileError } from '../../src/apiserver/schema/index.ts';
import type { KubeObject } from '../../src/apiserver/types.ts';

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['domain'],
      properties: {
        domain: { type: 'string', minLength: 2, maxLength: 8, pattern: '^[a-z]+$' },
        memory: { type: 'boolean' },
        mode: { type: 'string', enum: ['Running', 'Stopped'] },
        level: { type: 'integer', enum: [1, 2] },
        replicas: { type: 'integer', minimum: 1, maximum: 10 },
        ratio: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true },
        step: { type: 'integer', multipleOf: 5 },
        port: { 'x-kubernetes-int-or-string': true },
        note: { type: 'string', nullable: true },
        when: { type: 'string', format: 'date-time' },
        uid: { type: 'string', format: 'uuid' },
        color: { type: 'string', format: 'not-a-kube-format' },
        disks: {
          type: 'array',
          minItems: 1,
          maxItems: 2,
          items: {
            type: 'object',
            required: ['name'],
            properties: { name: { type: 'string' }, size: { type: 'integer' } },
          },
        },
        labels: { type: 'object', maxProperties: 1, additionalProperties: { type: 'string' } },
        caseless: { type: 'string', pattern: '(?i)^abc$' },
      },
    },
  },
};

const pipeline = createSchemaPipeline(schema);

function validate(spec: Record<string, unknown>): ReturnType<typeof pipeline.validate> {
  const object: KubeObject = {
    apiVersion: 'g/v1',
    kind: 'K',
    metadata: { name: 'a' },
    spec: { domain: 'abc', ...spec },
  };
  return pipeline.validate(object);
}

describe('schema validation messages (kube-apiserver wording)', () => {
  it('accepts a valid object', () => {
    expect(
      validate({
        memory: true,
        mode: 'Running',
        level: 2,
        replicas: 3,
        ratio: 0.5,
        step: 10,
        port: 'http',
        note: null,
        when: '2024-05-01T10:00:00Z',
        uid: '123e4567-e89b-12d3-a456-426614174000',
        color: 'anything goes',
        disks: [{ name: 'root', size: 10 }],
        labels: { a: 'b' },
        caseless: 'ABC',
      }),
    ).toEqual([]);
  });

  it('type mismatch -> FieldValueTypeInvalid naming the actual type', () => {
    expect(validate({ memory: 'string' })).toEqual([
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.memory',
        message: 'Invalid value: "string": spec.memory in body must be of type boolean: "string"',
      },
    ]);
    expect(validate({ replicas: 1.5 })).toContainEqual({
      reason: 'FieldValueTypeInvalid',
      field: 'spec.replicas',
      message: 'Invalid value: "number": spec.replicas in body must be of type integer: "number"',
    });
    expect(validate({ memory: null })).toEqual([
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.memory',
        message: 'Invalid value: "null": spec.memory in body must be of type boolean: "null"',
      },
    ]);
  });

  it('missing required field -> FieldValueRequired', () => {
    const object: KubeObject = { apiVersion: 'g/v1', kind: 'K', metadata: { name: 'a' }, spec: {} };
    expect(pipeline.validate(object)).toEqual([
      { reason: 'FieldValueRequired', field: 'spec.domain', message: 'Required value' },
    ]);
    expect(validate({ disks: [{ size: 1 }] })).toEqual([
      { reason: 'FieldValueRequired', field: 'spec.disks[0].name', message: 'Required value' },
    ]);
  });

  it('enum -> FieldValueNotSupported listing the supported values', () => {
    expect(validate({ mode: 'Paused' })).toEqual([
      {
        reason: 'FieldValueNotSupported',
        field: 'spec.mode',
        message: 'Unsupported value: "Paused": supported values: "Running", "Stopped"',
      },
    ]);
    expect(validate({ level: 3 })).toEqual([
      {
        reason: 'FieldValueNotSupported',
        field: 'spec.level',
        message: 'Unsupported value: 3: supported values: "1", "2"',
      },
    ]);
  });

  it('numeric bounds -> FieldValueInvalid with the bound', () => {
    expect(validate({ replicas: 0 })).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: 'Invalid value: 0: spec.replicas in body should be greater than or equal to 1',
      },
    ]);
    expect(validate({ replicas: 11 })[0]?.message).toBe(
      'Invalid value: 11: spec.replicas in body should be less than or equal to 10',
    );
    expect(validate({ ratio: 0 })[0]?.message).toBe(
      'Invalid value: 0: spec.ratio in body should be greater than 0',
    );
    expect(validate({ ratio: 1 })[0]?.message).toBe(
      'Invalid value: 1: spec.ratio in body should be less than 1',
    );
    expect(validate({ step: 7 })[0]?.message).toBe(
      'Invalid value: 7: spec.step in body should be a multiple of 5',
    );
  });

  it('string length and pattern: maxLength -> FieldValueTooLong, the rest FieldValueInvalid, first failure only', () => {
    expect(validate({ domain: 'abcdefghijk' })).toEqual([
      {
        reason: 'FieldValueTooLong',
        field: 'spec.domain',
        message: 'Too long: may not be more than 8 bytes',
      },
    ]);
    expect(validate({ domain: 'a' })).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.domain',
        message: 'Invalid value: "a": spec.domain in body should be at least 2 chars long',
      },
    ]);
    expect(validate({ domain: 'Bad_Name' })).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.domain',
        message: `Invalid value: "Bad_Name": spec.domain in body should match '^[a-z]+$'`,
      },
    ]);
  });

  it('RE2 inline flags in patterns are honoured', () => {
    expect(validate({ caseless: 'AbC' })).toEqual([]);
    expect(validate({ caseless: 'abd' })[0]?.message).toBe(
      `Invalid value: "abd": spec.caseless in body should match '(?i)^abc$'`,
    );
  });

  it('list and map sizes', () => {
    expect(validate({ disks: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] })).toEqual([
      { reason: 'FieldValueTooMany', field: 'spec.disks', message: 'Too many: 3: must have at most 2 items' },
    ]);
    expect(validate({ disks: [] })).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.disks',
        message: 'Invalid value: 0: spec.disks in body should have at least 1 items',
      },
    ]);
    expect(validate({ labels: { a: 'b', c: 'd' } })).toEqual([
      {
        reason: 'FieldValueTooMany',
        field: 'spec.labels',
        message: 'Too many: 2: must have at most 1 items',
      },
    ]);
  });

  it('paths into arrays and maps', () => {
    expect(validate({ disks: [{ name: 'a', size: 'big' }] })[0]?.field).toBe('spec.disks[0].size');
    expect(validate({ labels: { 'app.kubernetes.io/name': 5 } })[0]).toEqual({
      reason: 'FieldValueTypeInvalid',
      field: 'spec.labels.app.kubernetes.io/name',
      message:
        'Invalid value: "integer": spec.labels.app.kubernetes.io/name in body must be of type string: "integer"',
    });
  });

  it('int-or-string accepts both and names both types when neither matches', () => {
    expect(validate({ port: 8080 })).toEqual([]);
    expect(validate({ port: '8080' })).toEqual([]);
    expect(validate({ port: true })).toEqual([
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.port',
        message: 'Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
      },
    ]);
  });

  it('formats kube supports are checked; formats it does not know are ignored', () => {
    expect(validate({ when: 'yesterday' })).toEqual([
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.when',
        message: 'Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
      },
    ]);
    expect(validate({ uid: 'nope' })[0]?.message).toBe(
      'Invalid value: "nope": spec.uid in body must be of type uuid: "nope"',
    );
  });

  it('reports every violation at once', () => {
    const causes = validate({ memory: 1, mode: 'x', replicas: 0 });
    expect(causes.map((c) => c.field).sort()).toEqual(['spec.memory', 'spec.mode', 'spec.replicas']);
  });

  it('validate never mutates its input', () => {
    const object: KubeObject = {
      apiVersion: 'g/v1',
      kind: 'K',
      metadata: { name: 'a' },
      spec: { domain: 'abc', x: 1 },
    };
    pipeline.validate(object);
    expect(object.spec).toEqual({ domain: 'abc', x: 1 });
  });

  it('a pattern that is not a regular expression fails pipeline creation', () => {
    expect(() =>
      createSchemaPipeline({ type: 'object', properties: { spec: { type: 'string', pattern: '([a-z' } } }),
    ).toThrow(SchemaCompileError);
  });
});
