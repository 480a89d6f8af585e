// Malformed and mis-addressed request bodies against a real control plane over HTTPS: each must get kube's
// Status (code, reason, a message naming the problem) and leave the store exactly as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadInputServer, exactly, GADGETS, GROUP, gadget, VERSION } from './server.ts';

/** kube-apiserver's request body limit (3 MiB). */
const BODY_LIMIT = 3 * 1024 * 1024;

let server: BadInputServer;
beforeAll(async () => {
  server = await BadInputServer.start();
});
afterAll(() => server?.stop());

const post = (body: unknown, contentType?: string) => () =>
  server.send(GADGETS, { method: 'POST', body, ...(contentType ? { contentType } : {}) });

describe('request bodies the server cannot decode', () => {
  it('malformed JSON -> 400 BadRequest naming the JSON parse error', async () => {
    await server.expectRefused(post('{"apiVersion": "badinput.vmsnap.io/v1", "kind": "Gadget", '), {
      code: 400,
      reason: 'BadRequest',
      message: /json parse error/,
    });
  });

  it('malformed YAML -> 400 BadRequest naming the YAML error and its line', async () => {
    const yaml = 'apiVersion: badinput.vmsnap.io/v1\nkind: Gadget\nmetadata:\n  name: [unclosed\n';
    await server.expectRefused(post(yaml, 'application/yaml'), {
      code: 400,
      reason: 'BadRequest',
      message: /^error converting YAML to JSON: yaml: line \d+:/,
    });
  });

  it.each([
    ['null', 'null'],
    ['an array', '[{"kind": "Gadget"}]'],
    ['a number', '42'],
  ])('a JSON body that is %s, not an object -> 400 BadRequest', async (_what, body) => {
    await server.expectRefused(post(body), {
      code: 400,
      reason: 'BadRequest',
      message: /^couldn't get version\/kind; json parse error: json: cannot unmarshal \w+ into Go value/,
    });
  });

  it('an empty body -> 400 BadRequest', async () => {
    await server.expectRefused(post(''), {
      code: 400,
      reason: 'BadRequest',
      message: /^couldn't get version\/kind; json parse error: /,
    });
  });

  it('YAML with two documents -> 400 BadRequest', async () => {
    const yaml = `${JSON.stringify(gadget('first'))}\n---\n${JSON.stringify(gadget('second'))}\n`;
    await server.expectRefused(post(yaml, 'application/yaml'), {
      code: 400,
      reason: 'BadRequest',
      message: /^error converting YAML to JSON: yaml: expected a single document in the stream/,
    });
  });

  it('Content-Type text/plain -> 415 UnsupportedMediaType listing the accepted types', async () => {
    const status = await server.expectRefused(post(JSON.stringify(gadget('plain-text')), 'text/plain'), {
      code: 415,
      reason: 'UnsupportedMediaType',
      message: /unknown format.*application\/json/,
    });
    expect(status.message).toContain('text/plain');
  });

  it('a body over 3 MiB -> 413 RequestEntityTooLarge naming the limit', async () => {
    const huge = { ...gadget('huge'), spec: { size: 1, color: 'x'.repeat(BODY_LIMIT) } };
    await server.expectRefused(post(huge), {
      code: 413,
      reason: 'RequestEntityTooLarge',
      message: new RegExp(`^Request entity too large: limit is ${BODY_LIMIT}$`),
    });
  });

  it('a chunked body (no Content-Length) that grows past 3 MiB -> 413, cut off while streaming', async () => {
    const chunk = 'x'.repeat(256 * 1024);
    const chunks = [
      `{"apiVersion":"${GROUP}/${VERSION}","kind":"Gadget","metadata":{"name":"streamed"},"spec":{"size":1,"color":"`,
      ...Array.from({ length: 13 }, () => chunk),
      '"}}',
    ];
    await server.expectRefused(() => server.sendChunked(GADGETS, chunks), {
      code: 413,
      reason: 'RequestEntityTooLarge',
      message: new RegExp(`^Request entity too large: limit is ${BODY_LIMIT}$`),
    });
  });

  it('an oversized merge patch -> 413 as well', async () => {
    await server.expectRefused(
      () =>
        server.send(`${GADGETS}/seed-a`, {
          method: 'PATCH',
          contentType: 'application/merge-patch+json',
          body: { spec: { color: 'x'.repeat(BODY_LIMIT) } },
        }),
      { code: 413, reason: 'RequestEntityTooLarge', message: /limit is 3145728/ },
    );
  });
});

describe('objects that do not fit the URL or the naming rules', () => {
  it('a name that is not a DNS-1123 subdomain -> 422 Invalid with a cause on metadata.name', async () => {
    const status = await server.expectRefused(post(gadget('Bad_Name')), {
      code: 422,
      reason: 'Invalid',
      message:
        /^Gadget\.badinput\.vmsnap\.io "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    });
    expect(status.details).toMatchObject({ name: 'Bad_Name', group: GROUP, kind: 'Gadget' });
    expect(status.details.causes).toContainEqual(
      expect.objectContaining({ reason: 'FieldValueInvalid', field: 'metadata.name' }),
    );
  });

  it('built-in kinds apply their own name rules: ConfigMap (subdomain) and Namespace (label) -> 422', async () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } };
    await server.expectRefused(
      () => server.send('/api/v1/namespaces/default/configmaps', { method: 'POST', body: configMap }),
      {
        code: 422,
        reason: 'Invalid',
        message:
          /^ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
      },
    );
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team.a' } };
    const status = await server.expectRefused(
      () => server.send('/api/v1/namespaces', { method: 'POST', body: namespace }),
      {
        code: 422,
        reason: 'Invalid',
        message: /^Namespace "team\.a" is invalid: metadata\.name: Invalid value: "team\.a"/,
      },
    );
    expect(status.details.causes).toContainEqual(
      expect.objectContaining({ reason: 'FieldValueInvalid', field: 'metadata.name' }),
    );
  });

  it('no metadata.name and no generateName -> 422 Invalid, metadata.name required (as kube)', async () => {
    const nameless = { ...gadget('x'), metadata: { labels: { a: 'b' } } };
    const status = await server.expectRefused(post(nameless), {
      code: 422,
      reason: 'Invalid',
      message: /metadata\.name: Required value: name or generateName is required/,
    });
    expect(status.details.causes).toContainEqual(
      expect.objectContaining({ reason: 'FieldValueRequired', field: 'metadata.name' }),
    );
  });

  it('an apiVersion other than the URL -> 400 BadRequest naming both versions', async () => {
    const other = { ...gadget('other-version'), apiVersion: 'elsewhere.example.com/v1' };
    await server.expectRefused(post(other), {
      code: 400,
      reason: 'BadRequest',
      message: new RegExp(
        `^the API version in the data \\(elsewhere\\.example\\.com/v1\\) does not match the expected API version \\(${GROUP}/${VERSION}\\)$`,
      ),
    });
  });

  it('a custom resource claiming another kind -> 422 Invalid under that kind (the registry validates kind)', async () => {
    const other = { ...gadget('other-kind'), kind: 'Widget' };
    const status = await server.expectRefused(post(other), {
      code: 422,
      reason: 'Invalid',
      message: exactly(
        `Widget.${GROUP} "other-kind" is invalid: kind: Invalid value: "Widget": must be Gadget`,
      ),
    });
    expect(status.details).toEqual({
      name: 'other-kind',
      group: GROUP,
      kind: 'Widget',
      causes: [
        { reason: 'FieldValueInvalid', message: 'Invalid value: "Widget": must be Gadget', field: 'kind' },
      ],
    });
  });

  it('a namespace other than the URL -> 400 BadRequest', async () => {
    const other = {
      ...gadget('other-namespace'),
      metadata: { name: 'other-namespace', namespace: 'kube-system' },
    };
    await server.expectRefused(post(other), {
      code: 400,
      reason: 'BadRequest',
      message: /^the namespace of the provided object does not match the namespace sent on the request$/,
    });
  });

  it('PUT whose body names another object -> 400 BadRequest naming both names', async () => {
    const current = await server.send(`${GADGETS}/seed-a`);
    const renamed = { ...current.body, metadata: { ...current.body.metadata, name: 'seed-z' } };
    await server.expectRefused(() => server.send(`${GADGETS}/seed-a`, { method: 'PUT', body: renamed }), {
      code: 400,
      reason: 'BadRequest',
      message: /^the name of the object \(seed-z\) does not match the name on the URL \(seed-a\)$/,
    });
  });

  it('a spec the CRD schema refuses -> 422 Invalid with a cause on the field', async () => {
    const status = await server.expectRefused(post({ ...gadget('too-small'), spec: { size: 0 } }), {
      code: 422,
      reason: 'Invalid',
      message:
        /^Gadget\.badinput\.vmsnap\.io "too-small" is invalid: spec\.size: Invalid value: 0: spec\.size in body should be greater than or equal to 1/,
    });
    expect(status.details.causes).toContainEqual(expect.objectContaining({ field: 'spec.size' }));
  });

  it('a namespace in the URL that does not exist -> 404 naming it', async () => {
    const path = `/apis/${GROUP}/${VERSION}/namespaces/no-such-namespace/gadgets`;
    await server.expectRefused(() => server.send(path, { method: 'POST', body: gadget('orphan') }), {
      code: 404,
      reason: 'NotFound',
      message: /^namespaces "no-such-namespace" not found$/,
    });
  });
});

// Custom resources are decoded as unstructured objects, which take kind and apiVersion from the body alone; built-in
// kinds are decoded into their Go type, which supplies both. Messages as kube-apiserver words them (apiserver
// transformDecodeError around apimachinery's missing-kind error; the strict decoder runs unless
// fieldValidation=Ignore).
describe('custom resources without kind or apiVersion', () => {
  /** The strict decoder's refusal: the body as sent, then apiserver's 30-byte summary of it. */
  const unrecognized = (body: string, summary: string) =>
    exactly(
      `the object provided is unrecognized (must be of type Gadget): Object 'Kind' is missing in '${body}' (${summary})`,
    );
  const bodyWithout = (...fields: string[]) =>
    JSON.stringify(
      Object.fromEntries(Object.entries(gadget('typeless')).filter(([key]) => !fields.includes(key))),
    );

  it('POST without kind and apiVersion -> 400 BadRequest, the body quoted and summarized', async () => {
    const body = bodyWithout('kind', 'apiVersion');
    await server.expectRefused(post(body), {
      code: 400,
      reason: 'BadRequest',
      message: unrecognized(body, `${body.slice(0, 30)} ...`),
    });
  });

  it('the same with fieldValidation=Ignore (the lenient decoder) -> 400 in its words', async () => {
    const body = bodyWithout('kind', 'apiVersion');
    await server.expectRefused(
      () => server.send(`${GADGETS}?fieldValidation=Ignore`, { method: 'POST', body }),
      {
        code: 400,
        reason: 'BadRequest',
        message: exactly(
          `Gadget in version "${VERSION}" cannot be handled as a Gadget: Object 'Kind' is missing in '${body}'`,
        ),
      },
    );
  });

  it('a YAML body without kind -> 400, the YAML quoted and summarized in hex (it does not start with "{")', async () => {
    const yaml = `apiVersion: ${GROUP}/${VERSION}\nmetadata:\n  name: typeless\nspec:\n  size: 1\n`;
    await server.expectRefused(post(yaml, 'application/yaml'), {
      code: 400,
      reason: 'BadRequest',
      message: unrecognized(yaml, `${Buffer.from(yaml).subarray(0, 30).toString('hex')} ...`),
    });
  });

  it('an empty kind is a missing kind', async () => {
    const body = JSON.stringify({ ...gadget('typeless'), kind: '' });
    await server.expectRefused(post(body), {
      code: 400,
      reason: 'BadRequest',
      message:
        /^the object provided is unrecognized \(must be of type Gadget\): Object 'Kind' is missing in '/,
    });
  });

  it('PUT without kind -> the same 400', async () => {
    const current = (await server.send(`${GADGETS}/seed-a`)).body;
    const { kind: _kind, ...rest } = current;
    const body = JSON.stringify(rest);
    await server.expectRefused(() => server.send(`${GADGETS}/seed-a`, { method: 'PUT', body }), {
      code: 400,
      reason: 'BadRequest',
      message: unrecognized(body, `${body.slice(0, 30)} ...`),
    });
  });

  it('a kind without apiVersion -> 400, the empty API version does not match the URL', async () => {
    await server.expectRefused(post(bodyWithout('apiVersion')), {
      code: 400,
      reason: 'BadRequest',
      message: exactly(
        `the API version in the data () does not match the expected API version (${GROUP}/${VERSION})`,
      ),
    });
  });

  it('a kind without apiVersion and fieldValidation=Ignore -> 500 (kube types the object in its registry)', async () => {
    await server.expectRefused(
      () =>
        server.send(`${GADGETS}?fieldValidation=Ignore`, { method: 'POST', body: bodyWithout('apiVersion') }),
      {
        code: 500,
        reason: 'InternalError',
        message: exactly(
          "Internal error occurred: Object 'apiVersion' is missing in 'object has no apiVersion field'",
        ),
      },
    );
  });

  it('a built-in kind without kind and apiVersion is created: its Go type supplies both', async () => {
    const created = await server.send('/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      body: { metadata: { name: 'typeless' }, data: { a: 'b' } },
    });
    expect(created.status, created.raw).toBe(201);
    expect(created.body).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } });
    await server.send('/api/v1/namespaces/default/configmaps/typeless', { method: 'DELETE' });
  });
});
