// Updates and patches that must be refused, against a real control plane over HTTPS: kube's Status, and the
// stored object untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadInputServer, exactly, GADGETS, GROUP, VERSION } from './server.ts';

let server: BadInputServer;
beforeAll(async () => {
  server = await BadInputServer.start();
});
afterAll(() => server?.stop());

const patch = (path: string, contentType: string, body: unknown) => () =>
  server.send(path, { method: 'PATCH', contentType, body });

describe('patches', () => {
  it('a JSON patch whose test op fails -> 422 Invalid with the failed test as the cause (kube)', async () => {
    const ops = [
      { op: 'test', path: '/spec/size', value: 99 },
      { op: 'replace', path: '/spec/size', value: 5 },
    ];
    const status = await server.expectRefused(
      patch(`${GADGETS}/seed-a`, 'application/json-patch+json', ops),
      {
        code: 422,
        reason: 'Invalid',
        message: /^the server rejected our request due to an error in our request$/,
      },
    );
    expect(status.details.causes).toEqual([
      { reason: 'UnexpectedServerResponse', message: 'testing value /spec/size failed: test failed' },
    ]);
  });

  it('a JSON patch test op on the status subresource fails the same way', async () => {
    const ops = [
      { op: 'test', path: '/status/phase', value: 'Ready' },
      { op: 'add', path: '/status/phase', value: 'Broken' },
    ];
    await server.expectRefused(patch(`${GADGETS}/seed-a/status`, 'application/json-patch+json', ops), {
      code: 422,
      reason: 'Invalid',
      message: /rejected our request/,
    });
  });

  it('a JSON patch that is not a list of operations -> 400 BadRequest', async () => {
    await server.expectRefused(
      patch(`${GADGETS}/seed-a`, 'application/json-patch+json', {
        op: 'replace',
        path: '/spec/size',
        value: 2,
      }),
      {
        code: 400,
        reason: 'BadRequest',
        message: /json: cannot unmarshal object into Go value of type jsonpatch\.Patch/,
      },
    );
  });

  it('a merge patch that is not valid JSON -> 400 BadRequest', async () => {
    await server.expectRefused(
      patch(`${GADGETS}/seed-a`, 'application/merge-patch+json', '{"spec": {"size": '),
      {
        code: 400,
        reason: 'BadRequest',
        message: /JSON|json/,
      },
    );
  });

  it('a merge patch of /status that is not valid JSON -> 400 BadRequest', async () => {
    await server.expectRefused(
      patch(`${GADGETS}/seed-a/status`, 'application/merge-patch+json', '{"status": nope}'),
      {
        code: 400,
        reason: 'BadRequest',
        message: /JSON|json/,
      },
    );
  });

  it('a merge patch that breaks the schema -> 422 Invalid naming the field', async () => {
    const status = await server.expectRefused(
      patch(`${GADGETS}/seed-a`, 'application/merge-patch+json', { spec: { size: 'large' } }),
      {
        code: 422,
        reason: 'Invalid',
        message: /spec\.size: Invalid value: "string": spec\.size in body must be of type integer/,
      },
    );
    expect(status.details.causes).toContainEqual(expect.objectContaining({ field: 'spec.size' }));
  });

  it('an unknown patch Content-Type -> 415 UnsupportedMediaType', async () => {
    await server.expectRefused(patch(`${GADGETS}/seed-a`, 'application/xml', '<spec/>'), {
      code: 415,
      reason: 'UnsupportedMediaType',
      // kube lists what it accepts and does not echo the type it got.
      message:
        /^the body of the request was in an unknown format - accepted media types include: .*application\/merge-patch\+json/,
    });
  });
});

describe('updates', () => {
  it('PUT with a stale resourceVersion -> 409 Conflict', async () => {
    const read = await server.send(`${GADGETS}/seed-b`);
    const stale = read.body;
    // Someone else writes first: the copy we hold is now stale.
    const moved = await server.send(`${GADGETS}/seed-b`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { spec: { size: 2 } },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.metadata.resourceVersion).not.toBe(stale.metadata.resourceVersion);

    const status = await server.expectRefused(
      () => server.send(`${GADGETS}/seed-b`, { method: 'PUT', body: { ...stale, spec: { size: 7 } } }),
      {
        code: 409,
        reason: 'Conflict',
        message:
          /^Operation cannot be fulfilled on gadgets\.badinput\.vmsnap\.io "seed-b": the object has been modified; please apply your changes to the latest version and try again$/,
      },
    );
    expect(status.details).toMatchObject({ name: 'seed-b', group: 'badinput.vmsnap.io', kind: 'gadgets' });
  });

  it('PUT of /status with a stale resourceVersion -> 409 Conflict', async () => {
    const stale = (await server.send(`${GADGETS}/seed-b`)).body;
    await server.send(`${GADGETS}/seed-b/status`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { status: { phase: 'Moved' } },
    });
    await server.expectRefused(
      () =>
        server.send(`${GADGETS}/seed-b/status`, {
          method: 'PUT',
          body: { ...stale, status: { phase: 'Stale' } },
        }),
      { code: 409, reason: 'Conflict', message: /the object has been modified/ },
    );
  });

  it('DELETE with a stale resourceVersion precondition -> 409 Conflict', async () => {
    const current = (await server.send(`${GADGETS}/seed-a`)).body;
    await server.expectRefused(
      () =>
        server.send(`${GADGETS}/seed-a`, {
          method: 'DELETE',
          body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: '1' } },
        }),
      { code: 409, reason: 'Conflict', message: /Precondition failed: ResourceVersion in precondition: 1/ },
    );
    expect(current.metadata.resourceVersion).not.toBe('1');
  });

  it('PUT of an object that does not exist with a resourceVersion -> 404 (no create through update)', async () => {
    const ghost = {
      apiVersion: 'badinput.vmsnap.io/v1',
      kind: 'Gadget',
      metadata: { name: 'ghost', resourceVersion: '5' },
      spec: { size: 1 },
    };
    await server.expectRefused(() => server.send(`${GADGETS}/ghost`, { method: 'PUT', body: ghost }), {
      code: 404,
      reason: 'NotFound',
      message: /^gadgets\.badinput\.vmsnap\.io "ghost" not found$/,
    });
  });
});

// kube decodes the patched object of a custom resource as it decodes a body (see request-bodies.test.ts): it has to
// keep kind and apiVersion.
describe('patches that take kind or apiVersion away from a custom resource', () => {
  it('a JSON patch removing kind -> 422 Invalid on "patch", quoting the patched object as Go encodes it', async () => {
    const live = (await server.send(`${GADGETS}/seed-a`)).body;
    const status = await server.expectRefused(
      patch(`${GADGETS}/seed-a`, 'application/json-patch+json', [{ op: 'remove', path: '/kind' }]),
      { code: 422, reason: 'Invalid', message: /^ "" is invalid: patch: Invalid value: "/ },
    );
    const [, quoted, data] =
      /^ "" is invalid: patch: Invalid value: (".*"): Object 'Kind' is missing in '(.*)'$/s.exec(
        status.message,
      ) ?? [];
    const patchedJson = JSON.parse(quoted!) as string;
    expect(data).toBe(patchedJson);
    const { kind: _kind, ...withoutKind } = live;
    expect(JSON.parse(patchedJson)).toEqual(withoutKind);
    // encoding/json sorts map keys: the object's own keys come out in order.
    expect(patchedJson.startsWith('{"apiVersion":')).toBe(true);
    expect(status.details).toEqual({
      causes: [
        {
          reason: 'FieldValueInvalid',
          message: status.message.replace(/^ "" is invalid: patch: /, ''),
          field: 'patch',
        },
      ],
    });
  });

  it('a merge patch setting kind to null -> the same 422', async () => {
    await server.expectRefused(patch(`${GADGETS}/seed-a`, 'application/merge-patch+json', { kind: null }), {
      code: 422,
      reason: 'Invalid',
      message: /^ "" is invalid: patch: Invalid value: ".*": Object 'Kind' is missing in '\{"apiVersion":/s,
    });
  });

  it('a merge patch removing apiVersion -> 500 (the registry cannot type the object)', async () => {
    await server.expectRefused(
      patch(`${GADGETS}/seed-a`, 'application/merge-patch+json', { apiVersion: null }),
      {
        code: 500,
        reason: 'InternalError',
        message: exactly(
          "Internal error occurred: Object 'apiVersion' is missing in 'object has no apiVersion field'",
        ),
      },
    );
  });

  it('a merge patch changing kind or apiVersion -> 422 Invalid from the registry, not the URL check', async () => {
    await server.expectRefused(
      patch(`${GADGETS}/seed-a`, 'application/merge-patch+json', { kind: 'Widget' }),
      {
        code: 422,
        reason: 'Invalid',
        message: exactly(
          `Widget.${GROUP} "seed-a" is invalid: kind: Invalid value: "Widget": must be Gadget`,
        ),
      },
    );
    await server.expectRefused(
      patch(`${GADGETS}/seed-a`, 'application/merge-patch+json', { apiVersion: `${GROUP}/v9` }),
      {
        code: 422,
        reason: 'Invalid',
        message: exactly(
          `Gadget.${GROUP} "seed-a" is invalid: apiVersion: Invalid value: "${GROUP}/v9": must be ${GROUP}/${VERSION}`,
        ),
      },
    );
  });
});
