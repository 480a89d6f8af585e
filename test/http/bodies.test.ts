import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, type Harness, startHarness, WIDGETS, widget, widgetType } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ types: [widgetType()], maxBodyBytes: 2048 });
});
afterEach(async () => {
  await h.close();
});

const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';

describe('request bodies', () => {
  it('accepts YAML bodies', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  key: value\n';
    const created = await call(h, 'POST', CONFIGMAPS, yaml, { 'content-type': 'application/yaml' });
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({ key: 'value' });
  });

  it('answers YAML when asked', async () => {
    await call(h, 'POST', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'as-yaml' } });
    const res = await fetch(`${h.url}${CONFIGMAPS}/as-yaml`, { headers: { accept: 'application/yaml' } });
    expect(res.headers.get('content-type')).toBe('application/yaml');
    expect(await res.text()).toContain('name: as-yaml');
  });

  it.each([
    [
      'malformed JSON',
      '{"apiVersion": "v1", ',
      'application/json',
      400,
      /^couldn't get version\/kind; json parse error: /,
    ],
    ['a JSON array', '[1,2]', 'application/json', 400, /cannot unmarshal array/],
    ['malformed YAML', 'a: [b\n', 'application/yaml', 400, /^error converting YAML to JSON: yaml:/],
    [
      'an unsupported content type',
      '{}',
      'text/plain',
      415,
      /^the body of the request was in an unknown format/,
    ],
    [
      'a protobuf body without the k8s envelope',
      'xx',
      'application/vnd.kubernetes.protobuf',
      400,
      /not a protobuf message/,
    ],
  ])('rejects %s without touching the store', async (_what, body, contentType, code, message) => {
    const before = h.store.currentRevision();
    const res = await call(h, 'POST', CONFIGMAPS, body, { 'content-type': contentType });
    expect(res.status).toBe(code);
    expect(res.body.kind).toBe('Status');
    expect(res.body.code).toBe(code);
    expect(res.body.message).toMatch(message);
    expect(h.store.currentRevision()).toBe(before);
    expect(h.store.list('/configmaps').items).toHaveLength(0);
  });

  it('refuses bodies over maxBodyBytes with 413', async () => {
    const before = h.store.currentRevision();
    const big = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'big' },
      data: { blob: 'x'.repeat(4096) },
    };
    const res = await call(h, 'POST', CONFIGMAPS, big);
    expect(res.status).toBe(413);
    expect(res.body.reason).toBe('RequestEntityTooLarge');
    const patch = await call(
      h,
      'PATCH',
      `${WIDGETS}/any`,
      { spec: { blob: 'x'.repeat(4096) } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(patch.status).toBe(413);
    expect(h.store.currentRevision()).toBe(before);
  });

  it('refuses an unknown patch type with 415', async () => {
    await call(h, 'POST', WIDGETS, widget('w'));
    const res = await call(h, 'PATCH', `${WIDGETS}/w`, { spec: {} }, { 'content-type': 'application/json' });
    expect(res.status).toBe(415);
  });

  it('answers 406 when nothing in Accept can be produced', async () => {
    const res = await call(h, 'GET', CONFIGMAPS, undefined, {
      accept: 'application/vnd.kubernetes.protobuf',
    });
    expect(res.status).toBe(406);
  });
});

describe('fieldValidation', () => {
  const cm = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'f', bogusMeta: 1 },
    data: { a: 'b' },
    bogus: true,
  };

  it('Strict rejects unknown fields with kube wording and stores nothing', async () => {
    const res = await call(h, 'POST', `${CONFIGMAPS}?fieldValidation=Strict`, cm);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(
      'strict decoding error: unknown field "bogus", unknown field "metadata.bogusMeta"',
    );
    expect(h.store.list('/configmaps').items).toHaveLength(0);
  });

  it('Warn (the default) drops unknown fields with a Warning header', async () => {
    const res = await call(h, 'POST', CONFIGMAPS, cm);
    expect(res.status).toBe(201);
    expect(res.headers.get('warning')).toBe(
      '299 - "unknown field \\"bogus\\"", 299 - "unknown field \\"metadata.bogusMeta\\""',
    );
    expect(res.body.bogus).toBeUndefined();
    expect(res.body.metadata.bogusMeta).toBeUndefined();
  });

  it('Ignore drops them silently', async () => {
    const res = await call(h, 'POST', `${CONFIGMAPS}?fieldValidation=Ignore`, cm);
    expect(res.status).toBe(201);
    expect(res.headers.get('warning')).toBeNull();
  });

  it('rejects an unknown fieldValidation value', async () => {
    expect((await call(h, 'POST', `${CONFIGMAPS}?fieldValidation=Loose`, cm)).status).toBe(400);
  });
});

describe('large bodies', () => {
  it('answers 413 to a streamed body without Content-Length', async () => {
    const small = await startHarness({ maxBodyBytes: 1024 });
    try {
      const chunk = new TextEncoder().encode('x'.repeat(512));
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 8; i++) controller.enqueue(chunk);
          controller.close();
        },
      });
      const res = await fetch(`${small.url}${CONFIGMAPS}`, {
        method: 'POST',
        body: stream,
        headers: { 'content-type': 'application/json' },
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
      expect(((await res.json()) as { reason: string }).reason).toBe('RequestEntityTooLarge');
    } finally {
      await small.close();
    }
  });
});
