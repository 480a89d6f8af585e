import { describe, expect, it } from 'vitest';
import { createSchemaPipeline, SchemaCompileError } from '../../src/apiserver/schema/index.ts';
import type { KubeObject } from '../../src/apiserver/types.ts';

const schema = {
  type: 'object',
  'x-kubernetes-validations': [{ rule: "self.metadata.name != 'forbidden'", message: 'name is reserved' }],
  properties: {
    spec: {
      type: 'object',
      'x-kubernetes-validations': [
        { rule: 'self.maxReplicas >= self.minReplicas' },
        { rule: 'self.domain == oldSelf.domain', message: 'domain is immutable' },
        {
          rule: "!has(self.memory) || self.memory == false || self.mode == 'Running'",
          message: 'memory snapshots need a running VM',
          fieldPath: '.memory',
          reason: 'FieldValueForbidden',
        },
        {
          rule: 'size(self.tags) <= 3',
          messageExpression: "'too many tags: ' + string(size(self.tags))",
        },
      ],
      properties: {
        domain: { type: 'string' },
        mode: { type: 'string', enum: ['Running', 'Stopped'] },
        memory: { type: 'boolean' },
        minReplicas: { type: 'integer', default: 1 },
        maxReplicas: { type: 'integer', default: 1 },
        ratio: { type: 'number', 'x-kubernetes-validations': [{ rule: 'self < 1.0' }] },
        tags: {
          type: 'array',
          default: [],
          items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.startsWith("t-")' }] },
        },
        volumes: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object',
            properties: { name: { type: 'string' }, size: { type: 'integer' } },
            'x-kubernetes-validations': [
              { rule: 'self.size >= oldSelf.size', message: 'volumes cannot shrink' },
            ],
          },
        },
        limits: {
          type: 'object',
          additionalProperties: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self > 0' }] },
        },
        port: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-validations': [{ rule: 'self != 0' }] },
      },
    },
  },
};

const pipeline = createSchemaPipeline(schema);

function cr(spec: Record<string, unknown>, name = 'vm'): KubeObject {
  return pipeline.prepare({
    apiVersion: 'g/v1',
    kind: 'K',
    metadata: { name },
    spec: { domain: 'web', ...spec },
  }).object;
}

describe('CEL x-kubernetes-validations', () => {
  it('passes a valid object', () => {
    expect(pipeline.validate(cr({ minReplicas: 1, maxReplicas: 3, tags: ['t-a'] }))).toEqual([]);
  });

  it('comparison rule fails with kube default message "failed rule: <rule>"', () => {
    expect(pipeline.validate(cr({ minReplicas: 3, maxReplicas: 2 }))).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec',
        message: 'Invalid value: "object": failed rule: self.maxReplicas >= self.minReplicas',
      },
    ]);
  });

  it('immutability (self == oldSelf) only runs on update, with the rule message', () => {
    const old = cr({});
    expect(pipeline.validate(cr({ domain: 'other' }))).toEqual([]);
    expect(pipeline.validate(cr({ domain: 'web', minReplicas: 1 }), old)).toEqual([]);
    expect(pipeline.validate(cr({ domain: 'other' }), old)).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: "object": domain is immutable' },
    ]);
  });

  it('has(), fieldPath and reason shape the cause', () => {
    expect(pipeline.validate(cr({ memory: true, mode: 'Stopped' }))).toEqual([
      {
        reason: 'FieldValueForbidden',
        field: 'spec.memory',
        message: 'Forbidden: memory snapshots need a running VM',
      },
    ]);
    expect(pipeline.validate(cr({ memory: true, mode: 'Running' }))).toEqual([]);
  });

  it('messageExpression builds the message', () => {
    expect(pipeline.validate(cr({ tags: ['t-1', 't-2', 't-3', 't-4'] }))).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: "object": too many tags: 4' },
    ]);
  });

  it('rules on list items, map values, doubles and int-or-string report their own paths and types', () => {
    expect(pipeline.validate(cr({ tags: ['t-ok', 'bad'] }))).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.tags[1]',
        message: 'Invalid value: "string": failed rule: self.startsWith("t-")',
      },
    ]);
    expect(pipeline.validate(cr({ limits: { cpu: 2, mem: 0 } }))).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.limits[mem]',
        message: 'Invalid value: "integer": failed rule: self > 0',
      },
    ]);
    expect(pipeline.validate(cr({ ratio: 1.5 }))[0]?.field).toBe('spec.ratio');
    expect(pipeline.validate(cr({ ratio: 0.5 }))).toEqual([]);
    expect(pipeline.validate(cr({ port: 0 }))).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.port',
        message: 'Invalid value: "": failed rule: self != 0',
      },
    ]);
    expect(pipeline.validate(cr({ port: 'http' }))).toEqual([]);
  });

  it('transition rules on list-type=map items compare with the item of the same key', () => {
    const old = cr({
      volumes: [
        { name: 'a', size: 10 },
        { name: 'b', size: 5 },
      ],
    });
    expect(
      pipeline.validate(
        cr({
          volumes: [
            { name: 'b', size: 5 },
            { name: 'a', size: 20 },
            { name: 'c', size: 1 },
          ],
        }),
        old,
      ),
    ).toEqual([]);
    expect(pipeline.validate(cr({ volumes: [{ name: 'b', size: 4 }] }), old)).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.volumes[0]',
        message: 'Invalid value: "object": volumes cannot shrink',
      },
    ]);
  });

  it("root rules see metadata and are reported at kube's nil path", () => {
    expect(pipeline.validate(cr({}, 'forbidden'))).toEqual([
      { reason: 'FieldValueInvalid', field: '<nil>', message: 'Invalid value: "object": name is reserved' },
    ]);
  });

  it('does not run rules when schema validation found blocking errors', () => {
    const object = cr({ minReplicas: 3, maxReplicas: 2 });
    (object.spec as Record<string, unknown>).mode = 'Paused';
    expect(pipeline.validate(object)).toEqual([
      {
        reason: 'FieldValueNotSupported',
        field: 'spec.mode',
        message: 'Unsupported value: "Paused": supported values: "Running", "Stopped"',
      },
      {
        reason: 'FieldValueInvalid',
        field: '<nil>',
        message:
          'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
      },
    ]);
  });

  it('runtime errors are reported like kube reports them', () => {
    const p = createSchemaPipeline({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: { a: { type: 'integer' } },
          'x-kubernetes-validations': [{ rule: 'self.a > 0' }],
        },
      },
    });
    expect(p.validate({ apiVersion: 'g/v1', kind: 'K', metadata: { name: 'a' }, spec: {} })).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec',
        message: 'Invalid value: "object": no such key: a evaluating rule: self.a > 0',
      },
    ]);
  });

  it('supports common string and list functions', () => {
    const p = createSchemaPipeline({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: { name: { type: 'string' }, items: { type: 'array', items: { type: 'integer' } } },
          'x-kubernetes-validations': [
            {
              rule: "self.name.matches('^[a-z]+$') && self.name.lowerAscii() == self.name && self.name.contains('b')",
            },
            {
              rule: 'self.items.all(i, i > 0) && self.items.exists(i, i == 2) && self.items.isSorted() && self.items.sum() == 6',
            },
            {
              rule: "self.name.split('b').size() == 2 && self.items.map(i, i * 2).filter(i, i > 2).size() == 2",
            },
          ],
        },
      },
    });
    const object = (spec: Record<string, unknown>) => ({
      apiVersion: 'g/v1',
      kind: 'K',
      metadata: { name: 'a' },
      spec,
    });
    expect(p.validate(object({ name: 'abc', items: [1, 2, 3] }))).toEqual([]);
    expect(p.validate(object({ name: 'abc', items: [3, 2, 1] })).map((c) => c.message)).toEqual([
      'Invalid value: "object": failed rule: self.items.all(i, i > 0) && self.items.exists(i, i == 2) && self.items.isSorted() && self.items.sum() == 6',
    ]);
  });
});

describe('CEL rules that cannot be served are rejected when the pipeline is created', () => {
  function compileError(
    rules: unknown[],
    properties: Record<string, unknown> = { a: { type: 'integer' } },
  ): SchemaCompileError {
    try {
      createSchemaPipeline({
        type: 'object',
        properties: { spec: { type: 'object', properties, 'x-kubernetes-validations': rules } },
      });
    } catch (error) {
      if (error instanceof SchemaCompileError) return error;
      throw error;
    }
    throw new Error('expected createSchemaPipeline to throw');
  }
  const field = (i: number, key = 'rule') =>
    `openAPIV3Schema.properties[spec].x-kubernetes-validations[${i}].${key}`;

  it('names the rule, where it is, and why', () => {
    const error = compileError([
      { rule: 'self.b > 1' },
      { rule: 'self.a +' },
      { rule: 'self.a' },
      { rule: 'self.a == "x"' },
    ]);
    expect(error.causes.map((c) => c.field)).toEqual([field(0), field(1), field(2), field(3)]);
    expect(error.causes[0]?.message).toMatch(
      /^Invalid value: "self.b > 1": compilation failed: ERROR: <input>:1:\d+: undefined field 'b'$/,
    );
    expect(error.causes[1]?.message).toMatch(
      /^Invalid value: "self.a \+": compilation failed: ERROR: <input>:1:\d+: /,
    );
    expect(error.causes[2]?.message).toBe('Invalid value: "self.a": cel expression must evaluate to a bool');
    expect(error.causes[3]?.message).toMatch(/compilation failed: .*no such overload/);
    expect(error.message).toContain(field(0));
  });

  it('rejects unknown variables, bad reasons, bad field paths, and oldSelf inside plain lists', () => {
    expect(compileError([{ rule: 'other.a > 1' }]).causes[0]?.message).toContain(
      "undeclared reference to 'other'",
    );
    expect(compileError([{ rule: 'self.a > 1', reason: 'Nope' }]).causes[0]).toEqual({
      reason: 'FieldValueNotSupported',
      field: field(0, 'reason'),
      message:
        'Unsupported value: "Nope": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"',
    });
    expect(compileError([{ rule: 'self.a > 1', fieldPath: '.nope' }]).causes[0]).toEqual({
      reason: 'FieldValueInvalid',
      field: field(0, 'fieldPath'),
      message: 'Invalid value: ".nope": fieldPath must be a valid path',
    });
    expect(compileError([{ rule: 'self.a > 1', messageExpression: 'self.a' }]).causes[0]?.message).toBe(
      'Invalid value: "self.a": messageExpression must evaluate to a string',
    );
    const listError = compileError([], {
      list: {
        type: 'array',
        items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] },
      },
    });
    expect(listError.causes[0]?.field).toBe(
      'openAPIV3Schema.properties[spec].properties[list].items.x-kubernetes-validations[0].rule',
    );
    expect(listError.causes[0]?.message).toContain(
      'oldSelf cannot be used on the uncorrelatable portion of the schema',
    );
  });
});

describe('optionalOldSelf', () => {
  const p = createSchemaPipeline({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: { size: { type: 'integer' } },
        'x-kubernetes-validations': [
          {
            rule: '!oldSelf.hasValue() ? self.size <= 10 : self.size >= oldSelf.value().size',
            optionalOldSelf: true,
            message: 'starts at most 10 and never shrinks',
          },
        ],
      },
    },
  });
  const cr = (size: number): KubeObject => ({
    apiVersion: 'g/v1',
    kind: 'K',
    metadata: { name: 'a' },
    spec: { size },
  });

  it('runs on create with an empty oldSelf and on update with the old value', () => {
    expect(p.validate(cr(5))).toEqual([]);
    expect(p.validate(cr(11))).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec',
        message: 'Invalid value: "object": starts at most 10 and never shrinks',
      },
    ]);
    expect(p.validate(cr(20), cr(5))).toEqual([]);
    expect(p.validate(cr(4), cr(5))).toHaveLength(1);
  });

  it('is rejected on a rule that does not use oldSelf', () => {
    expect(() =>
      createSchemaPipeline({
        type: 'object',
        properties: {
          spec: { type: 'object', 'x-kubernetes-validations': [{ rule: 'true', optionalOldSelf: true }] },
        },
      }),
    ).toThrow(/may not be set if oldSelf is not used in rule/);
  });
});
