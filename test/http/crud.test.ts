import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { call, type Harness, type Named, startHarness, WIDGETS, widget, widgetType } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({
    types: [
      widgetType(),
      widgetType({
        namespaced: false,
        kind: 'Gadget',
        plural: 'gadgets',
        listKind: 'GadgetList',
        hasStatus: false,
      }),
    ],
  });
});
afterEach(async () => {
  await h.close();
});

describe('create, get, list, update, delete', () => {
  it('creates with server-set metadata and reads it back', async () => {
    const created = await call(h, 'POST', WIDGETS, widget('w1', { size: 1 }, { status: { ignored: true } }));
    expect(created.status).toBe(201);
    const meta = created.body.metadata;
    expect(meta).toMatchObject({ name: 'w1', namespace: 'default', generation: 1 });
    expect(meta.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(meta.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(meta.resourceVersion)).toBe(h.store.currentRevision());
    // The status subresource owns status: a create does not set it.
    expect(created.body.status).toBeUndefined();

    const got = await call(h, 'GET', `${WIDGETS}/w1`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);
  });

  it('lists with the store revision and the List kind, across and within namespaces', async () => {
    await call(h, 'POST', WIDGETS, widget('a'));
    await call(h, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'other' },
    });
    await call(h, 'POST', '/apis/example.com/v1/namespaces/other/widgets', widget('b'));
    const inDefault = await call(h, 'GET', `${WIDGETS}?limit=10`);
    expect(inDefault.body.kind).toBe('WidgetList');
    expect(inDefault.body.apiVersion).toBe('example.com/v1');
    expect(inDefault.body.items.map((i: Named) => i.metadata.name)).toEqual(['a']);
    expect(inDefault.body.metadata.resourceVersion).toBe(String(h.store.currentRevision()));
    const all = await call(h, 'GET', '/apis/example.com/v1/widgets');
    expect(all.body.items.map((i: Named) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual([
      'default/a',
      'other/b',
    ]);
  });

  it('filters lists by label and field selectors', async () => {
    await call(h, 'POST', WIDGETS, widget('red', { color: 'red' }, { metadata: { labels: { tier: 'db' } } }));
    await call(
      h,
      'POST',
      WIDGETS,
      widget('blue', { color: 'blue' }, { metadata: { labels: { tier: 'web' } } }),
    );
    const byLabel = await call(h, 'GET', `${WIDGETS}?labelSelector=${encodeURIComponent('tier in (db)')}`);
    expect(byLabel.body.items.map((i: Named) => i.metadata.name)).toEqual(['red']);
    const byField = await call(h, 'GET', `${WIDGETS}?fieldSelector=spec.color%3Dblue`);
    expect(byField.body.items.map((i: Named) => i.metadata.name)).toEqual(['blue']);
    const byName = await call(h, 'GET', `${WIDGETS}?fieldSelector=metadata.name%3Dred`);
    expect(byName.body.items.map((i: Named) => i.metadata.name)).toEqual(['red']);
    const unsupported = await call(h, 'GET', `${WIDGETS}?fieldSelector=spec.size%3D1`);
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.message).toBe('field label not supported: spec.size');
  });

  it('serves cluster-scoped types without a namespace', async () => {
    const created = await call(h, 'POST', '/apis/example.com/v1/gadgets', {
      apiVersion: 'example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'g', namespace: 'ignored' },
    });
    expect(created.status).toBe(201);
    expect(created.body.metadata.namespace).toBeUndefined();
    expect((await call(h, 'GET', '/apis/example.com/v1/gadgets/g')).status).toBe(200);
  });

  it('answers 404 with a kube Status for missing objects and unknown resources', async () => {
    const missing = await call(h, 'GET', `${WIDGETS}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'widgets.example.com "nope" not found',
    });
    const unknown = await call(h, 'GET', '/apis/example.com/v1/namespaces/default/sprockets');
    expect(unknown.status).toBe(404);
    const status404 = await call(h, 'GET', `${WIDGETS}/nope/scale`);
    expect(status404.status).toBe(404);
  });

  it('answers 409 AlreadyExists for a duplicate create', async () => {
    await call(h, 'POST', WIDGETS, widget('dup'));
    const again = await call(h, 'POST', WIDGETS, widget('dup'));
    expect(again.status).toBe(409);
    expect(again.body.reason).toBe('AlreadyExists');
  });

  it('retries a generated name that clashes with an existing object', async () => {
    await call(h, 'POST', WIDGETS, widget('gen-bbbbb'));
    // The first suffix drawn is "bbbbb" (a clash), the next one is not.
    const random = vi.spyOn(Math, 'random');
    for (let i = 0; i < 5; i++) random.mockReturnValueOnce(0);
    try {
      const created = await call(h, 'POST', WIDGETS, { ...widget(''), metadata: { generateName: 'gen-' } });
      expect(created.status).toBe(201);
      expect(created.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
      expect(created.body.metadata.name).not.toBe('gen-bbbbb');
    } finally {
      random.mockRestore();
    }
  });

  it('generates names from generateName', async () => {
    const created = await call(h, 'POST', WIDGETS, { ...widget(''), metadata: { generateName: 'gen-' } });
    expect(created.status).toBe(201);
    expect(created.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
  });
});

describe('updates', () => {
  it('rejects a PUT with a stale resourceVersion (409) and accepts the current one', async () => {
    const created = (await call(h, 'POST', WIDGETS, widget('w'))).body;
    const first = await call(h, 'PUT', `${WIDGETS}/w`, { ...created, spec: { size: 2 } });
    expect(first.status).toBe(200);
    const stale = await call(h, 'PUT', `${WIDGETS}/w`, { ...created, spec: { size: 3 } });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    expect(stale.body.message).toContain('the object has been modified');
    const fresh = await call(h, 'PUT', `${WIDGETS}/w`, { ...first.body, spec: { size: 3 } });
    expect(fresh.status).toBe(200);
    expect(fresh.body.spec.size).toBe(3);
  });

  it('bumps generation only for changes outside metadata and status', async () => {
    const created = (await call(h, 'POST', WIDGETS, widget('g'))).body;
    const labelled = (
      await call(h, 'PUT', `${WIDGETS}/g`, {
        ...created,
        metadata: { ...created.metadata, labels: { a: 'b' } },
      })
    ).body;
    expect(labelled.metadata.generation).toBe(1);
    const status = (await call(h, 'PUT', `${WIDGETS}/g/status`, { ...labelled, status: { phase: 'Ready' } }))
      .body;
    expect(status.metadata.generation).toBe(1);
    const spec = (await call(h, 'PUT', `${WIDGETS}/g`, { ...status, spec: { size: 9 } })).body;
    expect(spec.metadata.generation).toBe(2);
  });

  it('bumps generation on status changes for types without a status subresource', async () => {
    const path = '/apis/example.com/v1/gadgets';
    const created = (
      await call(h, 'POST', path, { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g' } })
    ).body;
    const updated = (await call(h, 'PUT', `${path}/g`, { ...created, status: { x: 1 } })).body;
    expect(updated.status).toEqual({ x: 1 });
    expect(updated.metadata.generation).toBe(2);
  });

  it('keeps status on main-resource writes and everything but status on /status writes', async () => {
    const created = (await call(h, 'POST', WIDGETS, widget('s'))).body;
    const withStatus = (
      await call(h, 'PUT', `${WIDGETS}/s/status`, {
        ...created,
        spec: { size: 50 },
        metadata: { ...created.metadata, labels: { x: 'y' } },
        status: { ok: true },
      })
    ).body;
    expect(withStatus.status).toEqual({ ok: true });
    expect(withStatus.spec).toEqual({ size: 1 });
    expect(withStatus.metadata.labels).toBeUndefined();
    const main = (await call(h, 'PUT', `${WIDGETS}/s`, { ...withStatus, status: { ok: false } })).body;
    expect(main.status).toEqual({ ok: true });
    const patched = await call(
      h,
      'PATCH',
      `${WIDGETS}/s/status`,
      { status: { ok: false } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.status).toEqual({ ok: false });
  });

  it('does not write a no-op update (same resourceVersion, no event)', async () => {
    const created = (await call(h, 'POST', WIDGETS, widget('n'))).body;
    const revision = h.store.currentRevision();
    const same = await call(h, 'PUT', `${WIDGETS}/n`, created);
    expect(same.status).toBe(200);
    expect(same.body.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(h.store.currentRevision()).toBe(revision);
  });

  it('keeps uid and creationTimestamp and refuses a changed uid', async () => {
    const created = (await call(h, 'POST', WIDGETS, widget('u'))).body;
    const noUid = {
      ...created,
      metadata: { ...created.metadata, uid: undefined, creationTimestamp: '2000-01-01T00:00:00Z' },
      spec: { size: 4 },
    };
    const updated = (await call(h, 'PUT', `${WIDGETS}/u`, noUid)).body;
    expect(updated.metadata.uid).toBe(created.metadata.uid);
    expect(updated.metadata.creationTimestamp).toBe(created.metadata.creationTimestamp);
    const otherUid = await call(h, 'PUT', `${WIDGETS}/u`, {
      ...updated,
      metadata: { ...updated.metadata, uid: 'x' },
    });
    expect(otherUid.status).toBe(422);
    expect(otherUid.body.details.causes[0].field).toBe('metadata.uid');
  });

  it('PUT to a missing custom resource is 404; merge and JSON patches apply', async () => {
    expect((await call(h, 'PUT', `${WIDGETS}/ghost`, widget('ghost'))).status).toBe(404);
    await call(h, 'POST', WIDGETS, widget('p', { size: 1, color: 'red' }));
    const merged = await call(
      h,
      'PATCH',
      `${WIDGETS}/p`,
      { spec: { color: null, size: 2 } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(merged.body.spec).toEqual({ size: 2 });
    expect(merged.body.metadata.generation).toBe(2);
    const json = await call(h, 'PATCH', `${WIDGETS}/p`, [{ op: 'replace', path: '/spec/size', value: 7 }], {
      'content-type': 'application/json-patch+json',
    });
    expect(json.body.spec.size).toBe(7);
    const smp = await call(
      h,
      'PATCH',
      `${WIDGETS}/p`,
      { spec: { size: 8 } },
      { 'content-type': 'application/strategic-merge-patch+json' },
    );
    expect(smp.status).toBe(415);
  });

  it('treats a patch carrying a stale resourceVersion as a conflict', async () => {
    const created = (await call(h, 'POST', WIDGETS, widget('c'))).body;
    await call(
      h,
      'PATCH',
      `${WIDGETS}/c`,
      { spec: { size: 2 } },
      { 'content-type': 'application/merge-patch+json' },
    );
    const stale = await call(
      h,
      'PATCH',
      `${WIDGETS}/c`,
      { metadata: { resourceVersion: created.metadata.resourceVersion }, spec: { size: 3 } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(stale.status).toBe(409);
  });
});

describe('request checks', () => {
  it('rejects a body whose apiVersion, kind, namespace or name disagrees with the URL', async () => {
    const before = h.store.currentRevision();
    const version = await call(h, 'POST', WIDGETS, { ...widget('v'), apiVersion: 'example.com/v2' });
    expect(version.status).toBe(400);
    expect(version.body.message).toBe(
      'the API version in the data (example.com/v2) does not match the expected API version (example.com/v1)',
    );
    // A custom resource claiming another kind fails the registry's validation under the kind it claims (kube).
    const kind = await call(h, 'POST', WIDGETS, { ...widget('v'), kind: 'Gizmo' });
    expect(kind.status).toBe(422);
    expect(kind.body.message).toBe(
      'Gizmo.example.com "v" is invalid: kind: Invalid value: "Gizmo": must be Widget',
    );
    const ns = await call(h, 'POST', WIDGETS, widget('v', {}, { metadata: { namespace: 'other' } }));
    expect(ns.status).toBe(400);
    expect(ns.body.message).toBe(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
    await call(h, 'POST', WIDGETS, widget('right'));
    const name = await call(h, 'PUT', `${WIDGETS}/right`, widget('wrong'));
    expect(name.status).toBe(400);
    expect(name.body.message).toBe(
      'the name of the object (wrong) does not match the name on the URL (right)',
    );
    expect(h.store.currentRevision()).toBe(before + 1);
  });

  it('requires a name and a valid one (422 with causes)', async () => {
    const noName = await call(h, 'POST', WIDGETS, {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: {},
    });
    expect(noName.status).toBe(422);
    expect(noName.body.details.causes).toEqual([
      {
        reason: 'FieldValueRequired',
        field: 'metadata.name',
        message: 'Required value: name or generateName is required',
      },
    ]);
    const bad = await call(h, 'POST', WIDGETS, widget('Bad_Name'));
    expect(bad.status).toBe(422);
    expect(bad.body.message).toMatch(
      /^Widget\.example\.com "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
  });

  it('refuses creates in a missing namespace (404) and in a terminating one (403)', async () => {
    const missing = await call(h, 'POST', '/apis/example.com/v1/namespaces/nowhere/widgets', widget('x'));
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('namespaces "nowhere" not found');
    await call(h, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'closing' },
    });
    await call(
      h,
      'POST',
      '/apis/example.com/v1/namespaces/closing/widgets',
      widget('held', { size: 1 }, { metadata: { finalizers: ['example.com/hold'] } }),
    );
    await call(h, 'DELETE', '/api/v1/namespaces/closing');
    const terminating = await call(
      h,
      'POST',
      '/apis/example.com/v1/namespaces/closing/widgets',
      widget('late'),
    );
    expect(terminating.status).toBe(403);
    expect(terminating.body.reason).toBe('Forbidden');
    expect(terminating.body.message).toBe(
      'widgets.example.com "late" is forbidden: unable to create new content in namespace closing because it is being terminated',
    );
  });

  it('answers 405 for verbs a path does not support', async () => {
    expect((await call(h, 'POST', '/apis/example.com/v1/widgets', widget('x'))).status).toBe(405);
    expect((await call(h, 'POST', `${WIDGETS}/x`, widget('x'))).status).toBe(405);
  });

  it('returns false for discovery paths so the shell can serve them', async () => {
    const res = await fetch(`${h.url}/apis/example.com/v1`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('');
  });
});

describe('dryRun=All', () => {
  it('validates and answers like a real write but stores nothing and emits no event', async () => {
    const before = h.store.currentRevision();
    const dry = await call(h, 'POST', `${WIDGETS}?dryRun=All`, widget('dry'));
    expect(dry.status).toBe(201);
    expect(dry.body.metadata.uid).toBeDefined();
    expect((await call(h, 'GET', `${WIDGETS}/dry`)).status).toBe(404);
    const invalid = await call(h, 'POST', `${WIDGETS}?dryRun=All`, widget('Bad'));
    expect(invalid.status).toBe(422);
    const real = (await call(h, 'POST', WIDGETS, widget('real'))).body;
    const afterCreate = h.store.currentRevision();
    expect(afterCreate).toBe(before + 1);
    const dryUpdate = await call(h, 'PUT', `${WIDGETS}/real?dryRun=All`, { ...real, spec: { size: 5 } });
    expect(dryUpdate.body.spec.size).toBe(5);
    const dryDelete = await call(h, 'DELETE', `${WIDGETS}/real?dryRun=All`);
    expect(dryDelete.status).toBe(200);
    expect(h.store.currentRevision()).toBe(afterCreate);
    expect((await call(h, 'GET', `${WIDGETS}/real`)).body.spec.size).toBe(1);
    expect((await call(h, 'POST', `${WIDGETS}?dryRun=Some`, widget('x'))).status).toBe(400);
  });
});
