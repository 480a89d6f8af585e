// Nesting depth: every decoder (JSON, YAML, each patch body) refuses documents deeper than MAX_NESTING_DEPTH with
// a 400 naming the limit, and a document exactly at the limit passes every verb (the limit leaves headroom under
// structuredClone and the recursive patch, pruning and validation code).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NESTING_DEPTH } from '../../src/apiserver/schema/json-limits.ts';
import { BLOBS, blob, GADGETS, GROUP, HardeningServer, nestedObject, VERSION } from './server.ts';

let server: HardeningServer;
beforeAll(async () => {
  server = await HardeningServer.start();
});
afterAll(() => server?.stop());

const nestedArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const LIMIT_MESSAGE = new RegExp(`exceeded max depth of ${MAX_NESTING_DEPTH}$`);
// A Blob's root object and spec are two levels: this many more reach the limit exactly.
const AT_LIMIT = MAX_NESTING_DEPTH - 2;

/** YAML block mappings `a:` nested `depth` deep under spec.x. */
function yamlBlob(name: string, depth: number): string {
  let text = `apiVersion: ${GROUP}/${VERSION}\nkind: Blob\nmetadata:\n  name: ${name}\nspec:\n`;
  for (let level = 1; level <= depth; level++) text += `${' '.repeat(level)}a:\n`;
  return `${text}${' '.repeat(depth + 1)}b: 1\n`;
}

describe('bodies deeper than the limit -> 400 BadRequest naming it, store unchanged', () => {
  it('JSON nested 20,000 deep', async () => {
    const body = `{"apiVersion":"${GROUP}/${VERSION}","kind":"Gadget","metadata":{"name":"deep"},"spec":{"size":1,"x":${nestedArray(20_000)}}}`;
    const status = await server.expectRefused(() => server.send(GADGETS, { method: 'POST', body }), {
      code: 400,
      reason: 'BadRequest',
      message: LIMIT_MESSAGE,
    });
    expect(status.message).toMatch(/^couldn't get version\/kind; json parse error: /);
  });

  it('JSON one level past the limit', async () => {
    const body = JSON.stringify(blob('one-too-deep', { x: 0 })).replace(
      '"x":0',
      `"x":${nestedObject(AT_LIMIT + 1)}`,
    );
    await server.expectRefused(() => server.send(BLOBS, { method: 'POST', body }), {
      code: 400,
      reason: 'BadRequest',
      message: LIMIT_MESSAGE,
    });
  });

  it('YAML one level past the limit (block mappings)', async () => {
    const status = await server.expectRefused(
      () =>
        server.send(BLOBS, {
          method: 'POST',
          body: yamlBlob('deep-yaml', AT_LIMIT + 1),
          contentType: 'application/yaml',
        }),
      { code: 400, reason: 'BadRequest', message: LIMIT_MESSAGE },
    );
    expect(status.message).toMatch(/^error converting YAML to JSON: yaml: /);
  });

  it('YAML whose aliases nest past the limit (aliases escape the parser-level depth count)', async () => {
    const half = Math.ceil(MAX_NESTING_DEPTH / 2);
    const yaml = `apiVersion: ${GROUP}/${VERSION}\nkind: Blob\nmetadata: {name: alias-deep}\nspec:\n  a: &a ${nestedArray(half)}\n  b: ${'['.repeat(half)}*a${']'.repeat(half)}\n`;
    await server.expectRefused(
      () => server.send(BLOBS, { method: 'POST', body: yaml, contentType: 'application/yaml' }),
      {
        code: 400,
        reason: 'BadRequest',
        message: /^error converting YAML to JSON: yaml: exceeded max depth of \d+$/,
      },
    );
  });

  it('a merge patch nested 100,000 deep', async () => {
    const body = `{"spec":{"x":${nestedObject(100_000)}}}`;
    const status = await server.expectRefused(
      () =>
        server.send(`${GADGETS}/seed-a`, {
          method: 'PATCH',
          contentType: 'application/merge-patch+json',
          body,
        }),
      { code: 400, reason: 'BadRequest', message: LIMIT_MESSAGE },
    );
    expect(status.message).toMatch(/^error decoding patch: /);
  });

  it('a JSON patch whose value is nested past the limit', async () => {
    const body = `[{"op":"add","path":"/spec/x","value":${nestedArray(MAX_NESTING_DEPTH + 1)}}]`;
    await server.expectRefused(
      () =>
        server.send(`${GADGETS}/seed-a`, {
          method: 'PATCH',
          contentType: 'application/json-patch+json',
          body,
        }),
      { code: 400, reason: 'BadRequest', message: LIMIT_MESSAGE },
    );
  });

  it('an apply patch (YAML) nested past the limit', async () => {
    await server.expectRefused(
      () =>
        server.send(`${BLOBS}/deep-apply?fieldManager=test`, {
          method: 'PATCH',
          contentType: 'application/apply-patch+yaml',
          body: yamlBlob('deep-apply', AT_LIMIT + 1),
        }),
      { code: 400, reason: 'BadRequest', message: /^error decoding YAML: exceeded max depth of \d+$/ },
    );
  });

  it('a JSON patch that puts a deep value under a deep path -> 422 for the patched object', async () => {
    const name = 'deep-sum';
    await server.expectOk(
      server.send(BLOBS, { method: 'POST', body: blob(name, { x: JSON.parse(nestedObject(AT_LIMIT)) }) }),
    );
    // Each half is within the limit; together they are not.
    const path = `/spec/x${'/a'.repeat(AT_LIMIT - 1)}`;
    const ops = `[{"op":"replace","path":"${path}","value":${nestedArray(10)}}]`;
    const status = await server.expectRefused(
      () =>
        server.send(`${BLOBS}/${name}`, {
          method: 'PATCH',
          contentType: 'application/json-patch+json',
          body: ops,
        }),
      { code: 422, reason: 'Invalid', message: LIMIT_MESSAGE },
    );
    expect(status.details.causes).toEqual([
      expect.objectContaining({ field: 'patch', reason: 'FieldValueInvalid' }),
    ]);
  });
});

describe('an object exactly at the limit passes every verb (no stack overflow on any path)', () => {
  const name = 'at-limit';
  const deep = () => JSON.parse(nestedObject(AT_LIMIT));

  it('create (JSON), get, list, update, merge patch, JSON patch, apply, delete', async () => {
    const created = await server.expectOk(
      server.send(BLOBS, { method: 'POST', body: blob(name, { x: deep() }) }),
    );
    expect(JSON.stringify(created.spec.x)).toBe(nestedObject(AT_LIMIT));
    await server.expectOk(server.send(`${BLOBS}/${name}`));
    await server.expectOk(server.send(BLOBS));
    const updated = await server.expectOk(
      server.send(`${BLOBS}/${name}`, {
        method: 'PUT',
        body: { ...blob(name, { x: deep(), y: 1 }), metadata: created.metadata },
      }),
    );
    expect(updated.spec.y).toBe(1);
    const merged = await server.expectOk(
      server.send(`${BLOBS}/${name}`, {
        method: 'PATCH',
        contentType: 'application/merge-patch+json',
        body: `{"spec":{"z":${nestedObject(AT_LIMIT)}}}`,
      }),
    );
    expect(merged.spec.z).toEqual(deep());
    const patched = await server.expectOk(
      server.send(`${BLOBS}/${name}`, {
        method: 'PATCH',
        contentType: 'application/json-patch+json',
        body: [{ op: 'copy', from: '/spec/x', path: '/spec/w' }],
      }),
    );
    expect(patched.spec.w).toEqual(deep());
    const applied = await server.expectOk(
      server.send(`${BLOBS}/${name}?fieldManager=depth-test&force=true`, {
        method: 'PATCH',
        contentType: 'application/apply-patch+yaml',
        body: JSON.stringify(blob(name, { v: deep() })),
      }),
    );
    expect(applied.spec.v).toEqual(deep());
    await server.expectOk(server.send(`${BLOBS}/${name}`, { method: 'DELETE' }));
  });

  it('create from YAML at the limit', async () => {
    const created = await server.expectOk(
      server.send(BLOBS, {
        method: 'POST',
        body: yamlBlob('at-limit-yaml', AT_LIMIT - 1),
        contentType: 'application/yaml',
      }),
    );
    expect(created.metadata.name).toBe('at-limit-yaml');
  });
});
