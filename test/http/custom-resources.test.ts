import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSchemaPipeline } from '../../src/apiserver/schema/index.ts';
import type { JsonObject } from '../../src/apiserver/types.ts';
import { call, type Harness, startHarness, WIDGETS, widget, widgetType } from './harness.ts';

const schema: JsonObject = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'integer', minimum: 1 },
        color: { type: 'string', enum: ['red', 'blue'], default: 'red' },
        vmName: {
          type: 'string',
          'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'vmName is immutable' }],
        },
      },
    },
    status: { type: 'object', properties: { phase: { type: 'string' } } },
  },
};

let h: Harness;
beforeEach(async () => {
  const pipeline = createSchemaPipeline(schema);
  h = await startHarness({
    types: [widgetType()],
    pipelineFor: (type) => (type.custom ? pipeline : undefined),
  });
});
afterEach(async () => {
  await h.close();
});

const APPLY = { 'content-type': 'application/apply-patch+yaml' };

describe('custom resources through the schema pipeline', () => {
  it('applies schema defaults', async () => {
    const created = await call(h, 'POST', WIDGETS, widget('d', { size: 2 }));
    expect(created.body.spec).toEqual({ size: 2, color: 'red' });
  });

  it('Strict: 400 naming every unknown field; Warn: header and pruned', async () => {
    const body = widget('u', { size: 1, bogus: 1, other: 'x' });
    const strict = await call(h, 'POST', `${WIDGETS}?fieldValidation=Strict`, body);
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe(
      'strict decoding error: unknown field "spec.bogus", unknown field "spec.other"',
    );
    expect(h.store.list('example.com/widgets').items).toHaveLength(0);
    const warn = await call(h, 'POST', `${WIDGETS}?fieldValidation=Warn`, body);
    expect(warn.status).toBe(201);
    expect(warn.headers.get('warning')).toContain('299 - "unknown field \\"spec.bogus\\""');
    expect(warn.body.spec.bogus).toBeUndefined();
  });

  it('422 Invalid with causes for schema violations, nothing stored', async () => {
    const res = await call(h, 'POST', WIDGETS, widget('bad', { size: 0, color: 'green' }));
    expect(res.status).toBe(422);
    expect(res.body.reason).toBe('Invalid');
    expect(res.body.message).toMatch(/^Widget\.example\.com "bad" is invalid: /);
    const fields = res.body.details.causes.map((c: { field: string }) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['spec.color', 'spec.size']));
    expect(h.store.list('example.com/widgets').items).toHaveLength(0);
  });

  it('runs CEL transition rules on updates', async () => {
    const created = (await call(h, 'POST', WIDGETS, widget('cel', { size: 1, vmName: 'a' }))).body;
    const changed = await call(h, 'PUT', `${WIDGETS}/cel`, {
      ...created,
      spec: { ...created.spec, vmName: 'b' },
    });
    expect(changed.status).toBe(422);
    expect(changed.body.message).toContain('vmName is immutable');
  });

  it('records managedFields for ordinary writes with the User-Agent program as manager', async () => {
    const created = await call(h, 'POST', WIDGETS, widget('m', { size: 1 }), {
      'user-agent': 'kubectl/v1.32.0 (linux/amd64) kubernetes/abc',
    });
    expect(created.body.metadata.managedFields).toEqual([
      expect.objectContaining({
        manager: 'kubectl',
        operation: 'Update',
        apiVersion: 'example.com/v1',
        fieldsType: 'FieldsV1',
      }),
    ]);
    const patched = await call(
      h,
      'PATCH',
      `${WIDGETS}/m?fieldManager=tool`,
      { spec: { size: 5 } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(patched.body.metadata.managedFields.map((m: { manager: string }) => m.manager).sort()).toEqual([
      'kubectl',
      'tool',
    ]);
  });
});

describe('server-side apply', () => {
  it('creates a missing object, then re-applies idempotently', async () => {
    const config = JSON.stringify(widget('ssa', { size: 3 }));
    const created = await call(h, 'PATCH', `${WIDGETS}/ssa?fieldManager=kubectl&force=false`, config, APPLY);
    expect(created.status).toBe(201);
    expect(created.body.spec).toEqual({ size: 3, color: 'red' });
    expect(created.body.metadata.managedFields[0]).toMatchObject({ manager: 'kubectl', operation: 'Apply' });
    const again = await call(h, 'PATCH', `${WIDGETS}/ssa?fieldManager=kubectl`, config, APPLY);
    expect(again.status).toBe(200);
    expect(again.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);
  });

  it('accepts YAML, requires fieldManager, and reports conflicts with another manager as 409', async () => {
    const yaml = 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: y\nspec:\n  size: 2\n';
    expect((await call(h, 'PATCH', `${WIDGETS}/y?fieldManager=alice`, yaml, APPLY)).status).toBe(201);
    expect((await call(h, 'PATCH', `${WIDGETS}/y`, yaml.replace('size: 2', 'size: 4'), APPLY)).status).toBe(
      422,
    );
    const conflict = await call(
      h,
      'PATCH',
      `${WIDGETS}/y?fieldManager=bob`,
      yaml.replace('size: 2', 'size: 4'),
      APPLY,
    );
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toContain('conflict with "alice"');
    const forced = await call(
      h,
      'PATCH',
      `${WIDGETS}/y?fieldManager=bob&force=true`,
      yaml.replace('size: 2', 'size: 4'),
      APPLY,
    );
    expect(forced.status).toBe(200);
    expect(forced.body.spec.size).toBe(4);
  });

  it('applies to the status subresource', async () => {
    await call(h, 'POST', WIDGETS, widget('st', { size: 1 }));
    const status = JSON.stringify({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'st' },
      status: { phase: 'Ready' },
    });
    const res = await call(h, 'PATCH', `${WIDGETS}/st/status?fieldManager=controller`, status, APPLY);
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ phase: 'Ready' });
    expect(res.body.metadata.generation).toBe(1);
  });
});
