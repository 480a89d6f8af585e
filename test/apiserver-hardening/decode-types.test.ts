// Request bodies with fields of the wrong JSON type (metadata of every kind, Event MicroTimes, ConfigMap data):
// kube cannot decode them into its Go types and answers 400 BadRequest; nothing is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GADGETS, gadget, HardeningServer } from './server.ts';

let server: HardeningServer;
beforeAll(async () => {
  server = await HardeningServer.start();
});
afterAll(() => server?.stop());

const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';
const CORE_EVENTS = '/api/v1/namespaces/default/events';
const EVENTS_V1 = '/apis/events.k8s.io/v1/namespaces/default/events';
const CANNOT_HANDLE_GADGET = 'Gadget in version "v1" cannot be handled as a Gadget: ';

const postGadget = (metadata: Record<string, unknown>) => () =>
  server.send(GADGETS, { method: 'POST', body: { ...gadget('x'), metadata } });

describe('custom resources: metadata of the wrong type -> 400 in apiextensions-apiserver wording', () => {
  it('metadata.name that is a number', async () => {
    const status = await server.expectRefused(postGadget({ name: 5 }), {
      code: 400,
      reason: 'BadRequest',
      message: /metadata/,
    });
    expect(status.message).toBe(
      `${CANNOT_HANDLE_GADGET}metadata: Invalid value: map[string]interface {}{"name":5}: json: cannot unmarshal number into Go struct field ObjectMeta.name of type string`,
    );
  });

  it('a label value that is a number', async () => {
    const status = await server.expectRefused(postGadget({ name: 'numeric-label', labels: { tier: 5 } }), {
      code: 400,
      reason: 'BadRequest',
      message: /metadata/,
    });
    expect(status.message).toBe(
      `${CANNOT_HANDLE_GADGET}metadata: Invalid value: map[string]interface {}{"labels":map[string]interface {}{"tier":5}, "name":"numeric-label"}: json: cannot unmarshal number into Go struct field ObjectMeta.labels of type string`,
    );
  });

  it.each([
    [
      { name: 'a', annotations: 'x' },
      'cannot unmarshal string into Go struct field ObjectMeta.annotations of type map[string]string',
    ],
    [
      { name: 'a', finalizers: 'x' },
      'cannot unmarshal string into Go struct field ObjectMeta.finalizers of type []string',
    ],
    [
      { name: 'a', finalizers: [true] },
      'cannot unmarshal bool into Go struct field ObjectMeta.finalizers of type string',
    ],
    [
      { name: 'a', generation: 1.5 },
      'cannot unmarshal number 1.5 into Go struct field ObjectMeta.generation of type int64',
    ],
    [
      { name: 'a', ownerReferences: {} },
      'cannot unmarshal object into Go struct field ObjectMeta.ownerReferences of type []v1.OwnerReference',
    ],
    [
      { name: 'a', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 7, uid: 'u' }] },
      'cannot unmarshal number into Go struct field OwnerReference.ownerReferences.name of type string',
    ],
    [
      {
        name: 'a',
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'u', controller: 'yes' }],
      },
      'cannot unmarshal string into Go struct field OwnerReference.ownerReferences.controller of type bool',
    ],
    [
      { name: 'a', creationTimestamp: 'yesterday' },
      'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"',
    ],
  ])('metadata %j -> 400 naming the Go type', async (metadata, expected) => {
    const status = await server.expectRefused(postGadget(metadata), {
      code: 400,
      reason: 'BadRequest',
      message: /metadata/,
    });
    expect(
      status.message.startsWith(`${CANNOT_HANDLE_GADGET}metadata: Invalid value: map[string]interface {}{`),
    ).toBe(true);
    expect(status.message.endsWith(expected), status.message).toBe(true);
  });

  it('null fields decode to their zero value, as in Go', async () => {
    const created = await server.expectOk(postGadget({ name: 'nulls', labels: null, finalizers: null })());
    expect(created.metadata.name).toBe('nulls');
  });

  it('a merge patch that makes a label a number -> 400, store unchanged', async () => {
    await server.expectRefused(
      () =>
        server.send(`${GADGETS}/seed-a`, {
          method: 'PATCH',
          contentType: 'application/merge-patch+json',
          body: { metadata: { labels: { tier: 5 } } },
        }),
      { code: 400, reason: 'BadRequest', message: /ObjectMeta\.labels of type string$/ },
    );
  });

  it('an apply patch with a numeric label -> 400, store unchanged', async () => {
    await server.expectRefused(
      () =>
        server.send(`${GADGETS}/seed-a?fieldManager=test`, {
          method: 'PATCH',
          contentType: 'application/apply-patch+yaml',
          body: { ...gadget('seed-a'), metadata: { name: 'seed-a', labels: { tier: 5 } } },
        }),
      { code: 400, reason: 'BadRequest', message: /ObjectMeta\.labels of type string$/ },
    );
  });
});

describe('built-in kinds -> 400 in encoding/json wording for the typed object', () => {
  it('a ConfigMap label that is a number', async () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', labels: { a: 5 } } };
    const status = await server.expectRefused(() => server.send(CONFIGMAPS, { method: 'POST', body }), {
      code: 400,
      reason: 'BadRequest',
      message: /cannot unmarshal number/,
    });
    expect(status.message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
    );
  });

  it('a ConfigMap data value that is a number', async () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'numeric-data' }, data: { a: 5 } };
    const status = await server.expectRefused(() => server.send(CONFIGMAPS, { method: 'POST', body }), {
      code: 400,
      reason: 'BadRequest',
      message: /cannot unmarshal number/,
    });
    expect(status.message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string',
    );
  });
});

describe('Secret data must be base64 (decoded into []byte)', () => {
  const SECRETS = '/api/v1/namespaces/default/secrets';

  it('Secret data that is not base64 -> 400 BadRequest from decoding, not 422 Invalid', async () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'not-base64' }, data: { a: '!!!' } };
    const status = await server.expectRefused(() => server.send(SECRETS, { method: 'POST', body: secret }), {
      code: 400,
      reason: 'BadRequest',
      message: /illegal base64 data at input byte \d+/,
    });
    expect(status.message).toBe(
      'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0',
    );
  });

  it('base64 data is stored', async () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'base64' },
      data: { a: 'aGVsbG8=' },
    };
    await server.expectOk(server.send(SECRETS, { method: 'POST', body: secret }));
  });
});

describe('Event MicroTimes need exactly six fractional digits', () => {
  const eventV1 = (name: string, eventTime: string, series?: Record<string, unknown>) => ({
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name },
    eventTime,
    reportingController: 'vmsnap.io/test',
    reportingInstance: 'test-1',
    action: 'Testing',
    reason: 'Test',
    regarding: { kind: 'ConfigMap', name: 'x', namespace: 'default' },
    type: 'Normal',
    ...(series ? { series } : {}),
  });

  it.each([
    ['2026-01-01T00:00:00Z', 'cannot parse "Z" as ".000000"'],
    ['2026-01-01T00:00:00.123Z', 'cannot parse ".123Z" as ".000000"'],
    ['2026-01-01T00:00:00.1234567Z', 'cannot parse "7Z" as "Z07:00"'],
  ])('events.k8s.io/v1 eventTime %s -> 400', async (eventTime, why) => {
    const status = await server.expectRefused(
      () => server.send(EVENTS_V1, { method: 'POST', body: eventV1('bad-time', eventTime) }),
      { code: 400, reason: 'BadRequest', message: /^Event in version "v1" cannot be handled as a Event: / },
    );
    expect(status.message).toBe(
      `Event in version "v1" cannot be handled as a Event: parsing time "${eventTime}" as "2006-01-02T15:04:05.000000Z07:00": ${why}`,
    );
  });

  it('series.lastObservedTime without six digits -> 400', async () => {
    const body = eventV1('bad-series', '2026-01-01T00:00:00.000000Z', {
      count: 2,
      lastObservedTime: '2026-01-01T00:00:01.5Z',
    });
    await server.expectRefused(() => server.send(EVENTS_V1, { method: 'POST', body }), {
      code: 400,
      reason: 'BadRequest',
      message: /parsing time "2026-01-01T00:00:01.5Z" as "2006-01-02T15:04:05.000000Z07:00"/,
    });
  });

  it('a core/v1 Event eventTime without six digits -> 400', async () => {
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'core-bad-time' },
      involvedObject: { kind: 'ConfigMap', name: 'x', namespace: 'default' },
      eventTime: '2026-01-01T00:00:00.123Z',
      reportingComponent: 'test',
      reportingInstance: 'test-1',
      action: 'Testing',
    };
    await server.expectRefused(() => server.send(CORE_EVENTS, { method: 'POST', body }), {
      code: 400,
      reason: 'BadRequest',
      message: /cannot parse "\.123Z" as "\.000000"$/,
    });
  });

  it('six fractional digits are accepted and read back unchanged', async () => {
    const body = eventV1('good-time', '2026-01-01T00:00:00.123456Z', {
      count: 2,
      lastObservedTime: '2026-01-01T00:00:01.000000+02:00',
    });
    const created = await server.expectOk(server.send(EVENTS_V1, { method: 'POST', body }));
    expect(created.eventTime).toBe('2026-01-01T00:00:00.123456Z');
  });
});
