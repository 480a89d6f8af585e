import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { humanDuration } from '../../src/apiserver/http/table/human-duration.ts';
import { call, type Harness, startHarness, WIDGETS, widget, widgetType } from './harness.ts';

const TABLE = {
  accept:
    'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
};
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('humanDuration (kube duration.HumanDuration)', () => {
  it.each([
    [-5 * SECOND, '<invalid>'],
    [-1 * SECOND, '0s'],
    [5 * SECOND, '5s'],
    [119 * SECOND, '119s'],
    [3 * MINUTE + 2 * SECOND, '3m2s'],
    [4 * MINUTE, '4m'],
    [15 * MINUTE + 30 * SECOND, '15m'],
    [2 * HOUR + 59 * MINUTE, '179m'],
    [3 * HOUR + 5 * MINUTE, '3h5m'],
    [7 * HOUR, '7h'],
    [30 * HOUR, '30h'],
    [2 * DAY + 4 * HOUR, '2d4h'],
    [3 * DAY, '3d'],
    [400 * DAY, '400d'],
    [3 * 365 * DAY + 20 * DAY, '3y20d'],
    [9 * 365 * DAY, '9y'],
  ])('%d ms -> %s', (ms, expected) => {
    expect(humanDuration(ms)).toBe(expected);
  });
});

describe('Table output', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ types: [widgetType()] });
  });
  afterEach(async () => {
    await h.close();
  });

  it('prints custom resources with Name and the printer columns, ages formatted', async () => {
    const created = (await call(h, 'POST', WIDGETS, widget('w', { size: 3, color: 'red' }))).body;
    await call(h, 'PUT', `${WIDGETS}/w/status`, {
      ...created,
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    h.now.value = new Date(h.now.value.getTime() + 3 * MINUTE + 2 * SECOND);
    const table = await call(h, 'GET', WIDGETS, undefined, TABLE);
    expect(table.status).toBe(200);
    expect(table.body.kind).toBe('Table');
    expect(table.body.apiVersion).toBe('meta.k8s.io/v1');
    expect(table.body.metadata.resourceVersion).toBe(String(h.store.currentRevision()));
    expect(
      table.body.columnDefinitions.map((c: { name: string; priority: number }) => [c.name, c.priority]),
    ).toEqual([
      ['Name', 0],
      ['Size', 0],
      ['Ready', 0],
      ['Age', 0],
      ['Color', 1],
    ]);
    expect(table.body.rows[0].cells).toEqual(['w', 3, 'True', '3m2s', 'red']);
    expect(table.body.rows[0].object).toMatchObject({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { name: 'w' },
    });
  });

  it('honours includeObject and single-object GETs', async () => {
    await call(h, 'POST', WIDGETS, widget('one', { size: 1 }));
    const full = await call(h, 'GET', `${WIDGETS}/one?includeObject=Object`, undefined, TABLE);
    expect(full.body.rows).toHaveLength(1);
    expect(full.body.rows[0].object.spec).toEqual({ size: 1 });
    const none = await call(h, 'GET', `${WIDGETS}?includeObject=None`, undefined, TABLE);
    expect(none.body.rows[0].object).toBeUndefined();
  });

  it('answers v1beta1 Tables when only those are accepted and plain JSON otherwise', async () => {
    const beta = await call(h, 'GET', WIDGETS, undefined, {
      accept: 'application/json;as=Table;v=v1beta1;g=meta.k8s.io',
    });
    expect(beta.body.apiVersion).toBe('meta.k8s.io/v1beta1');
    const plain = await call(h, 'GET', WIDGETS, undefined, { accept: 'application/json' });
    expect(plain.body.kind).toBe('WidgetList');
  });

  it('prints a custom type without printer columns as NAME AGE', async () => {
    await h.close();
    h = await startHarness({ types: [widgetType({ printerColumns: [] })] });
    await call(h, 'POST', WIDGETS, widget('plain'));
    const table = await call(h, 'GET', WIDGETS, undefined, TABLE);
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Age']);
    expect(table.body.rows[0].cells).toEqual(['plain', '0s']);
  });

  it("uses kube's default columns for built-ins", async () => {
    await call(h, 'POST', '/api/v1/namespaces/default/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { a: '1', b: '2' },
    });
    await call(h, 'POST', '/api/v1/namespaces/default/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      stringData: { a: 'x' },
    });
    await call(h, 'POST', '/apis/coordination.k8s.io/v1/namespaces/default/leases', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l' },
      spec: { holderIdentity: 'me' },
    });
    h.now.value = new Date(h.now.value.getTime() + 2 * DAY + 4 * HOUR);
    const columns = (body: { columnDefinitions: Array<{ name: string; priority: number }> }) =>
      body.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name);
    const ns = (await call(h, 'GET', '/api/v1/namespaces/default', undefined, TABLE)).body;
    expect(columns(ns)).toEqual(['Name', 'Status', 'Age']);
    expect(ns.rows[0].cells).toEqual(['default', 'Active', '2d4h']);
    const cm = (await call(h, 'GET', '/api/v1/namespaces/default/configmaps', undefined, TABLE)).body;
    expect(columns(cm)).toEqual(['Name', 'Data', 'Age']);
    expect(cm.rows[0].cells).toEqual(['c', 2, '2d4h']);
    const secret = (await call(h, 'GET', '/api/v1/namespaces/default/secrets', undefined, TABLE)).body;
    expect(columns(secret)).toEqual(['Name', 'Type', 'Data', 'Age']);
    expect(secret.rows[0].cells).toEqual(['s', 'Opaque', 1, '2d4h']);
    const lease = (
      await call(h, 'GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases', undefined, TABLE)
    ).body;
    expect(columns(lease)).toEqual(['Name', 'Holder', 'Age']);
    expect(lease.rows[0].cells).toEqual(['l', 'me', '2d4h']);
  });

  it('prints Events with LAST SEEN TYPE REASON OBJECT MESSAGE', async () => {
    await call(h, 'POST', '/api/v1/namespaces/default/events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e1' },
      involvedObject: { kind: 'Widget', name: 'w', namespace: 'default' },
      reason: 'Started',
      message: 'it began ',
      type: 'Normal',
      firstTimestamp: h.now.value.toISOString(),
      lastTimestamp: h.now.value.toISOString(),
      count: 2,
      source: { component: 'vmsnap' },
    });
    h.now.value = new Date(h.now.value.getTime() + 5 * SECOND);
    const table = (await call(h, 'GET', '/api/v1/namespaces/default/events', undefined, TABLE)).body;
    const visible = table.columnDefinitions
      .map((c: { name: string; priority: number }, i: number) => ({ ...c, i }))
      .filter((c: { priority: number }) => c.priority === 0);
    expect(visible.map((c: { name: string }) => c.name)).toEqual([
      'Last Seen',
      'Type',
      'Reason',
      'Object',
      'Message',
    ]);
    const cells = table.rows[0].cells;
    expect(visible.map((c: { i: number }) => cells[c.i])).toEqual([
      '5s',
      'Normal',
      'Started',
      'widget/w',
      'it began',
    ]);
  });
});

describe('PartialObjectMetadata', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ types: [widgetType()] });
  });
  afterEach(async () => {
    await h.close();
  });

  it('answers metadata-only objects and lists when asked', async () => {
    await call(h, 'POST', WIDGETS, widget('m', { size: 1 }, { metadata: { labels: { a: 'b' } } }));
    const accept = {
      accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
    };
    const list = await call(h, 'GET', WIDGETS, undefined, accept);
    expect(list.body.kind).toBe('PartialObjectMetadataList');
    expect(list.body.items[0]).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: expect.objectContaining({ name: 'm', labels: { a: 'b' } }),
    });
    const one = await call(h, 'GET', `${WIDGETS}/m`, undefined, {
      accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
    });
    expect(one.body.kind).toBe('PartialObjectMetadata');
    expect(one.body.spec).toBeUndefined();
  });
});
