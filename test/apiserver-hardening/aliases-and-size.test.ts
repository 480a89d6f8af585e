// Growth past the request body: YAML alias bombs are refused before anything expands them, JSON patch copies are
// budgeted as in kube, and no object larger than etcd's request limit is stored (413, store unchanged).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_STORED_OBJECT_BYTES } from '../../src/apiserver/http/stored-size.ts';
import { MAX_COPY_BYTES } from '../../src/apiserver/patch/json-patch.ts';
import { BLOBS, blob, GROUP, HardeningServer, VERSION } from './server.ts';

let server: HardeningServer;
beforeAll(async () => {
  server = await HardeningServer.start();
});
afterAll(() => server?.stop());

/** The "billion laughs" shape: each level is an array of nine aliases of the level before. */
function aliasBomb(name: string, levels: number): string {
  let yaml = `apiVersion: ${GROUP}/${VERSION}\nkind: Blob\nmetadata: {name: ${name}}\nspec:\n`;
  yaml += `  l0: &l0 ["x","x","x","x","x","x","x","x","x"]\n`;
  for (let level = 1; level <= levels; level++)
    yaml += `  l${level}: &l${level} [${Array(9)
      .fill(`*l${level - 1}`)
      .join(',')}]\n`;
  return yaml;
}

const postYaml = (body: string) => () =>
  server.send(BLOBS, { method: 'POST', body, contentType: 'application/yaml' });

describe('YAML aliases', () => {
  it('a few aliases, as manifests use them, are expanded and stored', async () => {
    const yaml = `apiVersion: ${GROUP}/${VERSION}\nkind: Blob\nmetadata: {name: anchors}\nspec:\n  base: &base {cpu: 2, memory: 4Gi}\n  copies: [*base, *base]\n`;
    const created = await server.expectOk(postYaml(yaml)());
    expect(created.spec.copies).toEqual([
      { cpu: 2, memory: '4Gi' },
      { cpu: 2, memory: '4Gi' },
    ]);
  });

  it('an alias bomb (9^8 values from 600 bytes) -> 400 BadRequest, store unchanged', async () => {
    const status = await server.expectRefused(postYaml(aliasBomb('bomb', 7)), {
      code: 400,
      reason: 'BadRequest',
      message: /^error converting YAML to JSON: yaml: document contains excessive aliasing$/,
    });
    expect(status.details).toBeUndefined();
  });

  it('an alias bomb in an apply patch -> 400 BadRequest, store unchanged', async () => {
    await server.expectRefused(
      () =>
        server.send(`${BLOBS}/bomb?fieldManager=test`, {
          method: 'PATCH',
          contentType: 'application/apply-patch+yaml',
          body: aliasBomb('bomb', 7),
        }),
      {
        code: 400,
        reason: 'BadRequest',
        message: /^error decoding YAML: document contains excessive aliasing$/,
      },
    );
  });

  it('aliases expanding within the budget but past the stored-size limit -> 413, store unchanged', async () => {
    await server.expectRefused(postYaml(aliasBomb('big', 5)), {
      code: 413,
      reason: 'RequestEntityTooLarge',
      message: new RegExp(
        `^Request entity too large: etcdserver: request is too large .*limit is ${MAX_STORED_OBJECT_BYTES}\\)$`,
      ),
    });
  });
});

describe('stored-size limit', () => {
  it('a body under the 3 MiB body limit whose object is over 1.5 MiB -> 413, store unchanged', async () => {
    const body = blob('huge', { data: 'x'.repeat(MAX_STORED_OBJECT_BYTES) });
    await server.expectRefused(() => server.send(BLOBS, { method: 'POST', body }), {
      code: 413,
      reason: 'RequestEntityTooLarge',
      message: /^Request entity too large: etcdserver: request is too large/,
    });
  });

  it('an update that grows an object past the limit -> 413, store unchanged', async () => {
    const created = await server.expectOk(
      server.send(BLOBS, { method: 'POST', body: blob('grows', { data: 'small' }) }),
    );
    const body = {
      ...blob('grows', { data: 'x'.repeat(MAX_STORED_OBJECT_BYTES) }),
      metadata: created.metadata,
    };
    await server.expectRefused(() => server.send(`${BLOBS}/grows`, { method: 'PUT', body }), {
      code: 413,
      reason: 'RequestEntityTooLarge',
      message: /^Request entity too large: etcdserver: request is too large/,
    });
  });
});

describe('JSON patch copies', () => {
  it('copies that together duplicate more than the copy budget -> 422, store unchanged', async () => {
    await server.expectOk(
      server.send(BLOBS, { method: 'POST', body: blob('doubling', { data: 'x'.repeat(100_000) }) }),
    );
    // Each copy doubles spec: 100 kB, 200 kB, 400 kB, ... passes the budget within a few operations.
    const ops = Array.from({ length: 30 }, (_, i) => ({ op: 'copy', from: '/spec', path: `/spec/c${i}` }));
    const status = await server.expectRefused(
      () =>
        server.send(`${BLOBS}/doubling`, {
          method: 'PATCH',
          contentType: 'application/json-patch+json',
          body: ops,
        }),
      {
        code: 422,
        reason: 'Invalid',
        message: /^the server rejected our request due to an error in our request$/,
      },
    );
    expect(status.details.causes).toEqual([
      {
        reason: 'UnexpectedServerResponse',
        message: expect.stringMatching(
          new RegExp(
            `^Unable to complete the copy, the accumulated size increase of copy is \\d+, exceeding the limit ${MAX_COPY_BYTES}$`,
          ),
        ),
      },
    ]);
  });

  it('a copy within the budget is applied', async () => {
    await server.expectOk(server.send(BLOBS, { method: 'POST', body: blob('copied', { a: { b: [1, 2] } }) }));
    const patched = await server.expectOk(
      server.send(`${BLOBS}/copied`, {
        method: 'PATCH',
        contentType: 'application/json-patch+json',
        body: [{ op: 'copy', from: '/spec/a', path: '/spec/c' }],
      }),
    );
    expect(patched.spec).toEqual({ a: { b: [1, 2] }, c: { b: [1, 2] } });
  });
});
