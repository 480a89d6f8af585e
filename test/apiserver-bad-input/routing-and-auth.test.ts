// Requests to paths the server does not serve, and requests without valid credentials, against a real control
// plane over HTTPS: kube's Status every time, and nothing stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadInputServer, GADGETS, GROUP, gadget, VERSION } from './server.ts';

let server: BadInputServer;
beforeAll(async () => {
  server = await BadInputServer.start();
});
afterAll(() => server?.stop());

const notFound = {
  code: 404,
  reason: 'NotFound',
  message: /the server could not find the requested resource/,
};

describe('paths the server does not serve -> 404 NotFound', () => {
  it('an unknown resource in a served group/version (GET and POST)', async () => {
    const path = `/apis/${GROUP}/${VERSION}/namespaces/default/sprockets`;
    await server.expectRefused(() => server.send(path), notFound);
    await server.expectRefused(() => server.send(path, { method: 'POST', body: gadget('lost') }), notFound);
  });

  it('an unknown core resource', async () => {
    await server.expectRefused(
      () => server.send('/api/v1/namespaces/default/widgets', { method: 'POST', body: gadget('lost') }),
      notFound,
    );
  });

  it('an unknown group', async () => {
    const path = '/apis/nowhere.example.com/v1/namespaces/default/gadgets';
    await server.expectRefused(() => server.send(path, { method: 'POST', body: gadget('lost') }), notFound);
  });

  it('an unknown version of a served group', async () => {
    const path = `/apis/${GROUP}/v9/namespaces/default/gadgets`;
    await server.expectRefused(() => server.send(path, { method: 'POST', body: gadget('lost') }), notFound);
    await server.expectRefused(() => server.send(`/apis/${GROUP}/v9`), notFound);
  });

  it('an object that does not exist names it', async () => {
    const status = await server.expectRefused(() => server.send(`${GADGETS}/missing`), {
      code: 404,
      reason: 'NotFound',
      message: /^gadgets\.badinput\.vmsnap\.io "missing" not found$/,
    });
    expect(status.details).toMatchObject({ name: 'missing', group: GROUP, kind: 'gadgets' });
  });

  it('a subresource the type does not have', async () => {
    await server.expectRefused(
      () =>
        server.send(`${GADGETS}/seed-a/scale`, {
          method: 'PATCH',
          contentType: 'application/merge-patch+json',
          body: { spec: { replicas: 3 } },
        }),
      notFound,
    );
  });
});

describe('credentials -> 401 Unauthorized', () => {
  const unauthorized = { code: 401, reason: 'Unauthorized', message: /^Unauthorized$/ };

  it('no Authorization header (read and write)', async () => {
    await server.expectRefused(() => server.send(GADGETS, { token: null }), unauthorized);
    await server.expectRefused(
      () => server.send(GADGETS, { method: 'POST', body: gadget('anonymous'), token: null }),
      unauthorized,
    );
  });

  it('a wrong bearer token (read, write and delete)', async () => {
    const token = 'not-the-token';
    await server.expectRefused(() => server.send(GADGETS, { token }), unauthorized);
    await server.expectRefused(
      () => server.send(GADGETS, { method: 'POST', body: gadget('intruder'), token }),
      unauthorized,
    );
    await server.expectRefused(
      () => server.send(`${GADGETS}/seed-a`, { method: 'DELETE', token }),
      unauthorized,
    );
  });

  it('the right token with a suffix or a different case is still wrong', async () => {
    const token = server.cp.token;
    await server.expectRefused(() => server.send(GADGETS, { token: `${token}x` }), unauthorized);
    await server.expectRefused(() => server.send(GADGETS, { token: token.slice(0, -1) }), unauthorized);
    const swapped = token === token.toUpperCase() ? token.toLowerCase() : token.toUpperCase();
    if (swapped !== token)
      await server.expectRefused(() => server.send(GADGETS, { token: swapped }), unauthorized);
  });
});
