import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlreadyExists, isConflict, isNotFound, KubeError } from '../../src/runtime/kube-error.ts';
import { type ApiServerEnv, startApiServerEnv } from './api-server-env.ts';
import { WIDGETS, type Widget, widget } from './fixtures/widget-crd.ts';

describe('KubeClient against the embedded API server', () => {
  let env: ApiServerEnv;
  beforeAll(async () => {
    env = await startApiServerEnv();
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('creates, gets, lists and deletes custom objects', async () => {
    const created = await env.client.create<Widget>(WIDGETS, {
      ...widget('kc-a', 3),
      metadata: { name: 'kc-a', namespace: 'default', labels: { team: 'x' } },
    });
    expect(created.metadata.uid).toBeTruthy();
    await env.client.create(WIDGETS, widget('kc-b', 4));

    const got = await env.client.get<Widget>(WIDGETS, { namespace: 'default', name: 'kc-a' });
    expect(got.spec?.size).toBe(3);

    const labelled = await env.client.list<Widget>(WIDGETS, {
      namespace: 'default',
      labelSelector: 'team=x',
    });
    expect(labelled.items.map((w) => w.metadata.name)).toEqual(['kc-a']);
    expect(labelled.metadata.resourceVersion).toBeTruthy();
    const everywhere = await env.client.list<Widget>(WIDGETS);
    expect(everywhere.items.map((w) => w.metadata.name)).toEqual(expect.arrayContaining(['kc-a', 'kc-b']));

    await env.client.delete(WIDGETS, { namespace: 'default', name: 'kc-a' });
    expect(await env.client.find(WIDGETS, { namespace: 'default', name: 'kc-a' })).toBeUndefined();
  });

  it('turns API errors into KubeErrors naming the call', async () => {
    const missing = await env.client
      .get(WIDGETS, { namespace: 'default', name: 'nope' })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(KubeError);
    expect(isNotFound(missing)).toBe(true);
    expect((missing as KubeError).message).toMatch(/^get widgets\.runtime\.vmsnap\.test default\/nope: /);

    await env.client.create(WIDGETS, widget('kc-dup'));
    const duplicate = await env.client.create(WIDGETS, widget('kc-dup')).catch((e: unknown) => e);
    expect(isAlreadyExists(duplicate)).toBe(true);
  });

  it('replace guarded by resourceVersion gets 409 Conflict when someone wrote first', async () => {
    const original = await env.client.create(WIDGETS, widget('kc-guard', 1));
    await env.client.replace(WIDGETS, { ...original, spec: { size: 2 } });
    const stale = await env.client
      .replace(WIDGETS, { ...original, spec: { size: 3 } })
      .catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    const now = await env.client.get<Widget>(WIDGETS, { namespace: 'default', name: 'kc-guard' });
    expect(now.spec?.size).toBe(2);
  });

  it('sends merge and JSON patches with their own content types, to the object and to its status', async () => {
    await env.client.create(WIDGETS, widget('kc-patch', 1));
    const ref = { namespace: 'default', name: 'kc-patch' };
    const merged = await env.client.patch<Widget>(WIDGETS, ref, {
      type: 'merge',
      body: { spec: { size: 5 } },
    });
    expect(merged.spec?.size).toBe(5);
    const patched = await env.client.patch<Widget>(WIDGETS, ref, {
      type: 'json',
      ops: [
        { op: 'test', path: '/spec/size', value: 5 },
        { op: 'replace', path: '/spec/size', value: 6 },
      ],
    });
    expect(patched.spec?.size).toBe(6);

    const withStatus = await env.client.patchStatus<Widget>(WIDGETS, ref, {
      type: 'merge',
      body: { status: { phase: 'Ready' } },
    });
    expect(withStatus.status).toEqual({ phase: 'Ready' });
    // The status subresource ignores everything but status.
    expect(withStatus.spec?.size).toBe(6);
    const replaced = await env.client.replaceStatus<Widget>(WIDGETS, {
      ...withStatus,
      spec: { size: 99 },
      status: { phase: 'Done' },
    });
    expect(replaced.status).toEqual({ phase: 'Done' });
    expect(replaced.spec?.size).toBe(6);
  });

  it('refuses a namespaced call without a namespace before sending anything', () => {
    expect(() => env.client.get(WIDGETS, { name: 'x' })).toThrow(/needs a namespace/);
  });
});
