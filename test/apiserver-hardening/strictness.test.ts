// Duplicate JSON fields under fieldValidation, JSON patches on reserved keys, and lists from an unparsable
// resourceVersion: each answered as kube answers it, with the store unchanged when refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GADGETS, GROUP, HardeningServer, VERSION } from './server.ts';

let server: HardeningServer;
beforeAll(async () => {
  server = await HardeningServer.start();
});
afterAll(() => server?.stop());

const duplicated = (name: string) =>
  `{"apiVersion":"${GROUP}/${VERSION}","kind":"Gadget","metadata":{"name":"${name}"},"spec":{"size":1},"spec":{"size":2,"size":3}}`;

describe('duplicate JSON fields', () => {
  it('Strict -> 400 naming each duplicate field, store unchanged', async () => {
    await server.expectRefused(
      () =>
        server.send(`${GADGETS}?fieldValidation=Strict`, { method: 'POST', body: duplicated('dup-strict') }),
      {
        code: 400,
        reason: 'BadRequest',
        message: /^strict decoding error: json: duplicate field "spec", json: duplicate field "spec\.size"$/,
      },
    );
  });

  it('Strict lists duplicates before unknown fields', async () => {
    const body = duplicated('dup-unknown').replace('"size":3', '"size":3,"extra":true');
    await server.expectRefused(
      () => server.send(`${GADGETS}?fieldValidation=Strict`, { method: 'POST', body }),
      {
        code: 400,
        reason: 'BadRequest',
        message: /^strict decoding error: json: duplicate field "spec", .*unknown field/,
      },
    );
  });

  it('Warn (the default) -> stored (last value wins) with a Warning header per duplicate', async () => {
    const reply = await server.raw(GADGETS, 'POST', duplicated('dup-warn'));
    expect(reply.status, reply.body).toBe(201);
    expect(JSON.parse(reply.body).spec).toEqual({ size: 3 });
    expect(String(reply.headers.warning)).toContain('json: duplicate field \\"spec\\"');
    expect(String(reply.headers.warning)).toContain('json: duplicate field \\"spec.size\\"');
  });

  it('Ignore -> stored without warnings', async () => {
    const reply = await server.raw(`${GADGETS}?fieldValidation=Ignore`, 'POST', duplicated('dup-ignore'));
    expect(reply.status, reply.body).toBe(201);
    expect(reply.headers.warning).toBeUndefined();
  });

  it('Strict on an update (PUT) -> 400, store unchanged', async () => {
    const current = await server.expectOk(server.send(`${GADGETS}/seed-a`));
    const body = JSON.stringify({ ...current, spec: { size: 5 } }).replace(
      '"spec":',
      '"spec":{"size":4},"spec":',
    );
    await server.expectRefused(
      () => server.send(`${GADGETS}/seed-a?fieldValidation=Strict`, { method: 'PUT', body }),
      { code: 400, reason: 'BadRequest', message: /^strict decoding error: json: duplicate field "spec"$/ },
    );
  });
});

describe('JSON patch on reserved keys -> 422 like any failed operation, store unchanged', () => {
  it.each(['/__proto__/polluted', '/spec/__proto__/polluted', '/spec/constructor/prototype/polluted'])(
    'add %s',
    async (path) => {
      const status = await server.expectRefused(
        () =>
          server.send(`${GADGETS}/seed-a`, {
            method: 'PATCH',
            contentType: 'application/json-patch+json',
            body: [{ op: 'add', path, value: 1 }],
          }),
        {
          code: 422,
          reason: 'Invalid',
          message: /^the server rejected our request due to an error in our request$/,
        },
      );
      expect(status.details.causes).toEqual([
        { reason: 'UnexpectedServerResponse', message: expect.stringContaining(path) },
      ]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );
});

describe('list resourceVersion', () => {
  it('not a number -> 400 as for a watch, store unchanged', async () => {
    await server.expectRefused(() => server.send(`${GADGETS}?resourceVersion=abc`), {
      code: 400,
      reason: 'BadRequest',
      message: /^resourceVersion: Invalid value: "abc": must be a non-negative integer$/,
    });
  });

  it.each(['0', '1'])('%s -> the list', async (resourceVersion) => {
    const list = await server.expectOk(server.send(`${GADGETS}?resourceVersion=${resourceVersion}`));
    expect(list.items.map((item: { metadata: { name: string } }) => item.metadata.name)).toContain('seed-a');
  });
});
