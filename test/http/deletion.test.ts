import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  call,
  type Harness,
  type Json,
  type Named,
  openWatch,
  startHarness,
  WIDGETS,
  widget,
  widgetType,
} from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ types: [widgetType()] });
});
afterEach(async () => {
  await h.close();
});

const merge = { 'content-type': 'application/merge-patch+json' };

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never happened: ${what}`);
}

const exists = async (path: string) => (await call(h, 'GET', path)).status === 200;

function ownedBy(owner: Json) {
  return { apiVersion: 'example.com/v1', kind: 'Widget', name: owner.metadata.name, uid: owner.metadata.uid };
}

describe('finalizers', () => {
  it('marks the object deleting and removes it with the update that empties its finalizers', async () => {
    await call(
      h,
      'POST',
      WIDGETS,
      widget('f', { size: 1 }, { metadata: { finalizers: ['example.com/cleanup'] } }),
    );
    const w = await openWatch(h, `${WIDGETS}?watch=true`);
    const deleting = await call(h, 'DELETE', `${WIDGETS}/f`, {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: 'Background',
    });
    expect(deleting.status).toBe(200);
    expect(deleting.body.metadata.deletionTimestamp).toBeDefined();
    expect(deleting.body.metadata.deletionGracePeriodSeconds).toBe(0);
    expect(deleting.body.metadata.generation).toBe(2);
    // A second DELETE changes nothing.
    const again = await call(h, 'DELETE', `${WIDGETS}/f`);
    expect(again.body.metadata.resourceVersion).toBe(deleting.body.metadata.resourceVersion);
    // No new finalizers on a deleting object.
    const added = await call(
      h,
      'PATCH',
      `${WIDGETS}/f`,
      { metadata: { finalizers: ['example.com/cleanup', 'x/y'] } },
      merge,
    );
    expect(added.status).toBe(422);
    const done = await call(h, 'PATCH', `${WIDGETS}/f`, { metadata: { finalizers: null } }, merge);
    expect(done.status).toBe(200);
    expect(await exists(`${WIDGETS}/f`)).toBe(false);
    const events = await w.waitFor((e) => e.some((x) => x.type === 'DELETED'));
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    w.close();
  });

  it('honours DELETE preconditions', async () => {
    const created = (await call(h, 'POST', WIDGETS, widget('p'))).body;
    const wrongUid = await call(h, 'DELETE', `${WIDGETS}/p`, { preconditions: { uid: 'other' } });
    expect(wrongUid.status).toBe(409);
    expect(wrongUid.body.message).toContain('Precondition failed: UID in precondition: other');
    const wrongRv = await call(h, 'DELETE', `${WIDGETS}/p`, { preconditions: { resourceVersion: '1' } });
    expect(wrongRv.status).toBe(409);
    const ok = await call(h, 'DELETE', `${WIDGETS}/p`, { preconditions: { uid: created.metadata.uid } });
    expect(ok.status).toBe(200);
    // Custom resources answer with the deleted object.
    expect(ok.body.metadata.name).toBe('p');
  });

  it('deletes a collection by selector', async () => {
    await call(h, 'POST', WIDGETS, widget('a', { size: 1 }, { metadata: { labels: { x: '1' } } }));
    await call(h, 'POST', WIDGETS, widget('b', { size: 1 }, { metadata: { labels: { x: '2' } } }));
    const res = await call(h, 'DELETE', `${WIDGETS}?labelSelector=x%3D1`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: Named) => i.metadata.name)).toEqual(['a']);
    expect(await exists(`${WIDGETS}/a`)).toBe(false);
    expect(await exists(`${WIDGETS}/b`)).toBe(true);
  });
});

describe('garbage collection', () => {
  it('Background: deletes dependents after the owner is gone, keeping ones with another live owner', async () => {
    const owner = (await call(h, 'POST', WIDGETS, widget('owner'))).body;
    const other = (await call(h, 'POST', WIDGETS, widget('other-owner'))).body;
    await call(h, 'POST', WIDGETS, widget('child', {}, { metadata: { ownerReferences: [ownedBy(owner)] } }));
    await call(h, 'POST', '/api/v1/namespaces/default/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm-child', ownerReferences: [ownedBy(owner)] },
    });
    await call(
      h,
      'POST',
      WIDGETS,
      widget('shared', {}, { metadata: { ownerReferences: [ownedBy(owner), ownedBy(other)] } }),
    );
    await call(h, 'DELETE', `${WIDGETS}/owner`, { propagationPolicy: 'Background' });
    await eventually(async () => !(await exists(`${WIDGETS}/child`)), 'child collected');
    await eventually(
      async () => !(await exists('/api/v1/namespaces/default/configmaps/cm-child')),
      'configmap collected',
    );
    await eventually(
      async () => (await call(h, 'GET', `${WIDGETS}/shared`)).body.metadata.ownerReferences?.length === 1,
      'reference dropped',
    );
    expect((await call(h, 'GET', `${WIDGETS}/shared`)).body.metadata.ownerReferences[0].name).toBe(
      'other-owner',
    );
  });

  it('Foreground: the owner stays (foregroundDeletion) until its dependents are gone', async () => {
    const owner = (await call(h, 'POST', WIDGETS, widget('fg'))).body;
    await call(
      h,
      'POST',
      WIDGETS,
      widget(
        'held',
        {},
        { metadata: { ownerReferences: [ownedBy(owner)], finalizers: ['example.com/hold'] } },
      ),
    );
    const res = await call(h, 'DELETE', `${WIDGETS}/fg`, { propagationPolicy: 'Foreground' });
    expect(res.body.metadata.finalizers).toEqual(['foregroundDeletion']);
    await eventually(
      async () => Boolean((await call(h, 'GET', `${WIDGETS}/held`)).body.metadata.deletionTimestamp),
      'dependent deleting',
    );
    expect(await exists(`${WIDGETS}/fg`)).toBe(true);
    await call(h, 'PATCH', `${WIDGETS}/held`, { metadata: { finalizers: null } }, merge);
    await eventually(async () => !(await exists(`${WIDGETS}/fg`)), 'owner removed after dependents');
  });

  it('Orphan: removes the owner reference from dependents and keeps them', async () => {
    const owner = (await call(h, 'POST', WIDGETS, widget('orph'))).body;
    await call(h, 'POST', WIDGETS, widget('kept', {}, { metadata: { ownerReferences: [ownedBy(owner)] } }));
    await call(h, 'DELETE', `${WIDGETS}/orph`, { propagationPolicy: 'Orphan' });
    expect(await exists(`${WIDGETS}/orph`)).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    const kept = await call(h, 'GET', `${WIDGETS}/kept`);
    expect(kept.status).toBe(200);
    expect(kept.body.metadata.ownerReferences).toBeUndefined();
  });
});

describe('garbage collection after a restart', () => {
  it('collects dependents whose owner was deleted while the server was down', async () => {
    await h.close();
    const meta = (name: string, extra: Record<string, unknown> = {}) => ({
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      ...extra,
    });
    h = await startHarness({
      types: [widgetType()],
      seed: (store) => {
        store.create(
          { resource: '/namespaces', namespace: '', name: 'default' },
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', uid: 'ns' } },
        );
        const orphanRef = { apiVersion: 'example.com/v1', kind: 'Widget', name: 'gone', uid: 'uid-gone' };
        store.create(
          { resource: 'example.com/widgets', namespace: 'default', name: 'left-behind' },
          widget(
            'left-behind',
            {},
            { metadata: meta('left-behind', { ownerReferences: [orphanRef] }) },
          ) as never,
        );
        store.create(
          { resource: 'example.com/widgets', namespace: 'default', name: 'unowned' },
          widget('unowned', {}, { metadata: meta('unowned') }) as never,
        );
      },
    });
    await eventually(async () => !(await exists(`${WIDGETS}/left-behind`)), 'left-behind collected');
    expect(await exists(`${WIDGETS}/unowned`)).toBe(true);
  });
});

describe('namespaces', () => {
  it('Terminating: deletes all content, waits for finalizers, then goes away', async () => {
    await call(h, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team' },
    });
    const ns = (await call(h, 'GET', '/api/v1/namespaces/team')).body;
    expect(ns.status).toEqual({ phase: 'Active' });
    expect(ns.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'team' });
    expect(ns.spec).toEqual({ finalizers: ['kubernetes'] });
    await call(h, 'POST', '/apis/example.com/v1/namespaces/team/widgets', widget('w'));
    await call(
      h,
      'POST',
      '/apis/example.com/v1/namespaces/team/widgets',
      widget('held', {}, { metadata: { finalizers: ['example.com/hold'] } }),
    );
    await call(h, 'POST', '/api/v1/namespaces/team/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
    });
    const deleting = await call(h, 'DELETE', '/api/v1/namespaces/team');
    expect(deleting.status).toBe(200);
    expect(deleting.body.status.phase).toBe('Terminating');
    await eventually(
      async () => !(await exists('/api/v1/namespaces/team/configmaps/c')),
      'configmap deleted',
    );
    await eventually(
      async () => !(await exists('/apis/example.com/v1/namespaces/team/widgets/w')),
      'widget deleted',
    );
    expect(await exists('/api/v1/namespaces/team')).toBe(true);
    await call(
      h,
      'PATCH',
      '/apis/example.com/v1/namespaces/team/widgets/held',
      { metadata: { finalizers: null } },
      merge,
    );
    await eventually(async () => !(await exists('/api/v1/namespaces/team')), 'namespace removed');
  });

  it('refuses to delete the system namespaces', async () => {
    const res = await call(h, 'DELETE', '/api/v1/namespaces/default');
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('namespaces "default" is forbidden: this namespace may not be deleted');
  });
});
