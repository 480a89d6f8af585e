import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepExpiredEvents } from '../../src/apiserver/gc/event-ttl.ts';
import { call, type Harness, type Named, startHarness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const SECRETS = '/api/v1/namespaces/default/secrets';
const CORE_EVENTS = '/api/v1/namespaces/default/events';
const EVENTS_V1 = '/apis/events.k8s.io/v1/namespaces/default/events';
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/default/leases';
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('Secret', () => {
  it('folds stringData into base64 data, drops it, and defaults type to Opaque', async () => {
    const created = await call(h, 'POST', SECRETS, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { kept: b64('old'), both: b64('from-data') },
      stringData: { both: 'from-stringData', plain: 'päss' },
    });
    expect(created.status).toBe(201);
    expect(created.body.type).toBe('Opaque');
    expect(created.body.stringData).toBeUndefined();
    expect(created.body.data).toEqual({ kept: b64('old'), both: b64('from-stringData'), plain: b64('päss') });
    const updated = await call(h, 'PUT', `${SECRETS}/s`, { ...created.body, stringData: { plain: 'new' } });
    expect(updated.body.data.plain).toBe(b64('new'));
    expect(updated.body.stringData).toBeUndefined();
    const stored = h.store.get({ resource: '/secrets', namespace: 'default', name: 's' });
    expect(stored?.stringData).toBeUndefined();
  });

  it('rejects data that is not base64 and a changed type', async () => {
    const bad = await call(h, 'POST', SECRETS, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'b' },
      data: { x: 'not base64!' },
    });
    // kube fails to decode it into []byte: 400 from decoding, before validation.
    expect(bad.status).toBe(400);
    const ok = (
      await call(h, 'POST', SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 't' },
        type: 'Opaque',
      })
    ).body;
    const retyped = await call(h, 'PUT', `${SECRETS}/t`, { ...ok, type: 'kubernetes.io/tls' });
    expect(retyped.status).toBe(422);
  });
});

describe('ConfigMap', () => {
  it('freezes data once immutable', async () => {
    const cm = (
      await call(h, 'POST', '/api/v1/namespaces/default/configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'i' },
        data: { a: '1' },
        immutable: true,
      })
    ).body;
    const changed = await call(h, 'PUT', '/api/v1/namespaces/default/configmaps/i', {
      ...cm,
      data: { a: '2' },
    });
    expect(changed.status).toBe(422);
    expect(changed.body.details.causes[0].field).toBe('data');
  });
});

describe('Event through core/v1 and events.k8s.io/v1', () => {
  it('stores once and reads through both APIs, with the describe field selectors', async () => {
    const uid = 'c0ffee00-0000-0000-0000-000000000001';
    const viaV1 = await call(h, 'POST', EVENTS_V1, {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'from-events-api' },
      eventTime: '2026-11-25T04:00:00.000000Z',
      reportingController: 'vmsnap.io/snapshot-controller',
      reportingInstance: 'vmsnap-0',
      action: 'Snapshot',
      reason: 'SnapshotReady',
      regarding: {
        apiVersion: 'vmsnap.io/v1alpha1',
        kind: 'VMSnapshot',
        name: 'snap',
        namespace: 'default',
        uid,
      },
      note: 'snapshot taken',
      type: 'Normal',
    });
    expect(viaV1.status).toBe(201);
    expect(viaV1.body.regarding.name).toBe('snap');
    await call(h, 'POST', CORE_EVENTS, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'from-core-api' },
      involvedObject: {
        apiVersion: 'vmsnap.io/v1alpha1',
        kind: 'VMSnapshot',
        name: 'snap',
        namespace: 'default',
        uid,
      },
      reason: 'Created',
      message: 'created',
      type: 'Normal',
      source: { component: 'vmsnap' },
    });
    await call(h, 'POST', CORE_EVENTS, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'unrelated' },
      involvedObject: { kind: 'VMSnapshot', name: 'other', namespace: 'default', uid: 'x' },
      reason: 'Other',
    });

    // What kubectl describe asks for.
    const selector = encodeURIComponent(
      `involvedObject.name=snap,involvedObject.namespace=default,involvedObject.uid=${uid}`,
    );
    const described = await call(h, 'GET', `${CORE_EVENTS}?fieldSelector=${selector}`);
    expect(described.status).toBe(200);
    const byName = Object.fromEntries(
      described.body.items.map((e: Named & Record<string, unknown>) => [e.metadata.name, e]),
    );
    expect(Object.keys(byName).sort()).toEqual(['from-core-api', 'from-events-api']);
    const converted = byName['from-events-api'];
    expect(converted).toMatchObject({
      apiVersion: 'v1',
      kind: 'Event',
      message: 'snapshot taken',
      reportingComponent: 'vmsnap.io/snapshot-controller',
      reportingInstance: 'vmsnap-0',
      involvedObject: { name: 'snap', uid },
      eventTime: '2026-11-25T04:00:00.000000Z',
    });
    expect(converted.note).toBeUndefined();

    const v1List = await call(
      h,
      'GET',
      `${EVENTS_V1}?fieldSelector=${encodeURIComponent('regarding.name=snap')}`,
    );
    const fromCore = v1List.body.items.find((e: Named) => e.metadata.name === 'from-core-api');
    expect(v1List.body.kind).toBe('EventList');
    expect(fromCore).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      note: 'created',
      deprecatedSource: { component: 'vmsnap' },
    });
    expect(fromCore.involvedObject).toBeUndefined();
  });
});

describe('Lease', () => {
  it('gives 409 to a writer with a stale resourceVersion (leader election)', async () => {
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'leader' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
    };
    const created = (await call(h, 'POST', LEASES, lease)).body;
    const renewA = await call(h, 'PUT', `${LEASES}/leader`, {
      ...created,
      spec: { ...created.spec, renewTime: '2026-11-25T04:00:01.000000Z' },
    });
    expect(renewA.status).toBe(200);
    const takeoverB = await call(h, 'PUT', `${LEASES}/leader`, {
      ...created,
      spec: { ...created.spec, holderIdentity: 'b' },
    });
    expect(takeoverB.status).toBe(409);
    // PUT creates a missing Lease, as kube allows for leases.
    const fresh = await call(h, 'PUT', `${LEASES}/other`, { ...lease, metadata: { name: 'other' } });
    expect(fresh.status).toBe(201);
  });
});

describe('CustomResourceDefinition', () => {
  const crd = (overrides: Record<string, unknown> = {}) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
            },
          },
        },
      ],
      ...overrides,
    },
  });

  it('accepts a valid CRD as a cluster-scoped object with an empty status', async () => {
    const created = await call(h, 'POST', CRDS, { ...crd(), status: { conditions: [] } });
    expect(created.status).toBe(201);
    expect(created.body.metadata.namespace).toBeUndefined();
    expect(created.body.status).toBeUndefined();
    const table = await call(h, 'GET', CRDS, undefined, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    expect(table.body.rows[0].cells).toEqual([
      'widgets.example.com',
      created.body.metadata.creationTimestamp,
    ]);
  });

  it('rejects a CRD whose name is not plural.group or whose schema is not structural', async () => {
    const misnamed = await call(h, 'POST', CRDS, { ...crd(), metadata: { name: 'gadgets.example.com' } });
    expect(misnamed.status).toBe(422);
    expect(misnamed.body.details.causes).toContainEqual(
      expect.objectContaining({
        field: 'metadata.name',
        message: 'Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group',
      }),
    );
    const untyped = crd({
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: {} } } },
        },
      ],
    });
    const rejected = await call(h, 'POST', CRDS, untyped);
    expect(rejected.status).toBe(422);
    expect(
      rejected.body.details.causes.some((c: { field: string }) =>
        c.field.startsWith('spec.versions[0].schema.openAPIV3Schema'),
      ),
    ).toBe(true);
    const badCel = crd({
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.(' }] } },
        },
      ],
    });
    expect((await call(h, 'POST', CRDS, badCel)).status).toBe(422);
    expect(h.store.list('apiextensions.k8s.io/customresourcedefinitions').items).toHaveLength(0);
  });
});

describe('Event TTL', () => {
  it('sweeps Events not written for the TTL and keeps recent ones', async () => {
    const event = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name },
      involvedObject: { kind: 'ConfigMap', name: 'x', namespace: 'default' },
      reason: 'Test',
    });
    const minutes = (n: number) => new Date(h.now.value.getTime() + n * 60_000);
    await call(h, 'POST', CORE_EVENTS, event('old'));
    await call(h, 'POST', CORE_EVENTS, event('renewed'));
    h.now.value = minutes(30);
    await call(
      h,
      'PATCH',
      `${CORE_EVENTS}/renewed`,
      { count: 2 },
      { 'content-type': 'application/merge-patch+json' },
    );
    h.now.value = minutes(31);
    expect(sweepExpiredEvents(h.handler.internal, h.now.value, 60 * 60_000)).toBe(1);
    const left = (await call(h, 'GET', CORE_EVENTS)).body.items.map((e: Named) => e.metadata.name);
    expect(left).toEqual(['renewed']);
  });
});
