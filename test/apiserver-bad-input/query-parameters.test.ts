// Query parameters and methods the server must refuse with kube's Status, over HTTPS against a real control
// plane; none of them may store anything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadInputServer, GADGETS, gadget } from './server.ts';

let server: BadInputServer;
beforeAll(async () => {
  server = await BadInputServer.start();
});
afterAll(() => server?.stop());

const badRequest = (message: RegExp) => ({ code: 400, reason: 'BadRequest', message });

describe('list and watch parameters', () => {
  it('a labelSelector that does not parse -> 400', async () => {
    await server.expectRefused(
      () => server.send(`${GADGETS}?labelSelector=${encodeURIComponent('tier in (web')}`),
      badRequest(/^unable to parse requirement: /),
    );
  });

  it('a fieldSelector on a field the type does not support -> 400 naming the field', async () => {
    await server.expectRefused(
      () => server.send(`${GADGETS}?fieldSelector=spec.size%3D1`),
      badRequest(/^field label not supported: spec\.size$/),
    );
  });

  it('a watch from a resourceVersion that is not a number -> 400 naming the parameter', async () => {
    await server.expectRefused(
      () => server.send(`${GADGETS}?watch=true&resourceVersion=abc`),
      badRequest(/^resourceVersion: Invalid value: "abc"/),
    );
  });

  it('timeoutSeconds that is not a number -> 400 naming the parameter', async () => {
    await server.expectRefused(
      () => server.send(`${GADGETS}?watch=true&timeoutSeconds=soon`),
      badRequest(/^timeoutSeconds: Invalid value: "soon"/),
    );
  });
});

describe('write parameters', () => {
  it('dryRun with an unsupported value -> 400 listing "All"', async () => {
    await server.expectRefused(
      () => server.send(`${GADGETS}?dryRun=Maybe`, { method: 'POST', body: gadget('dry') }),
      badRequest(/^dryRun: Unsupported value: "Maybe": supported values: "All"$/),
    );
  });

  it('fieldValidation with an unsupported value -> 400 listing the three values', async () => {
    await server.expectRefused(
      () => server.send(`${GADGETS}?fieldValidation=Lenient`, { method: 'POST', body: gadget('fv') }),
      badRequest(
        /^fieldValidation: Unsupported value: "Lenient": supported values: "Ignore", "Strict", "Warn"$/,
      ),
    );
  });

  it('an unknown field with fieldValidation=Strict -> 400 strict decoding error naming the field', async () => {
    const body = { ...gadget('strict'), spec: { size: 1, bogus: true } };
    await server.expectRefused(
      () => server.send(`${GADGETS}?fieldValidation=Strict`, { method: 'POST', body }),
      badRequest(/^strict decoding error: unknown field "spec\.bogus"$/),
    );
  });

  it('a propagationPolicy kube does not know -> 400 listing the supported ones', async () => {
    await server.expectRefused(
      () =>
        server.send(`${GADGETS}/seed-a`, {
          method: 'DELETE',
          body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Sideways' },
        }),
      badRequest(
        /^propagationPolicy: Unsupported value: "Sideways": supported values: "Background", "Foreground", "Orphan"$/,
      ),
    );
  });

  it('server-side apply without fieldManager -> 422 Invalid on PatchOptions', async () => {
    const status = await server.expectRefused(
      () =>
        server.send(`${GADGETS}/seed-a`, {
          method: 'PATCH',
          contentType: 'application/apply-patch+yaml',
          body: gadget('seed-a', 3),
        }),
      { code: 422, reason: 'Invalid', message: /fieldManager: Required value: is required for apply patch/ },
    );
    expect(status.details.causes).toContainEqual(expect.objectContaining({ field: 'fieldManager' }));
  });
});

describe('methods a path does not take -> 405 MethodNotAllowed', () => {
  const notAllowed = (method: string) => ({
    code: 405,
    reason: 'MethodNotAllowed',
    message: new RegExp(`does not allow this method on the requested resource \\(${method}\\)`),
  });

  it('POST to an object', async () => {
    await server.expectRefused(
      () => server.send(`${GADGETS}/seed-a`, { method: 'POST', body: gadget('seed-a') }),
      notAllowed('POST'),
    );
  });

  it('PUT and PATCH to a collection', async () => {
    await server.expectRefused(
      () => server.send(GADGETS, { method: 'PUT', body: gadget('seed-a') }),
      notAllowed('PUT'),
    );
    await server.expectRefused(
      () =>
        server.send(GADGETS, {
          method: 'PATCH',
          contentType: 'application/merge-patch+json',
          body: { spec: { size: 2 } },
        }),
      notAllowed('PATCH'),
    );
  });
});
