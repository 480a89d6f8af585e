import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addFinalizer,
  type FinalizerEvent,
  finalizer,
  removeFinalizer,
} from '../../src/runtime/finalizers.ts';
import { isPatchTestFailed } from '../../src/runtime/kube-error.ts';
import { type ApiServerEnv, startApiServerEnv } from './api-server-env.ts';
import { WIDGETS, type Widget, widget } from './fixtures/widget-crd.ts';

const FINALIZER = 'vmsnap.io/snapshot-cleanup';

describe('finalizer helper against the embedded API server', () => {
  let env: ApiServerEnv;
  beforeAll(async () => {
    env = await startApiServerEnv();
  });
  afterAll(async () => {
    await env?.stop();
  });

  const read = (name: string) => env.client.find<Widget>(WIDGETS, { namespace: 'default', name });

  it('adds the finalizer first, applies while live, cleans up on delete, then lets the object go', async () => {
    await env.client.create(WIDGETS, widget('fin-a'));
    const seen: Array<FinalizerEvent<Widget>['type']> = [];
    const reconcile = async (event: FinalizerEvent<Widget>) => {
      seen.push(event.type);
      return {};
    };

    await finalizer(env.client, WIDGETS, FINALIZER, (await read('fin-a'))!, reconcile);
    expect(seen).toEqual([]);
    expect((await read('fin-a'))?.metadata.finalizers).toEqual([FINALIZER]);

    await finalizer(env.client, WIDGETS, FINALIZER, (await read('fin-a'))!, reconcile);
    expect(seen).toEqual(['apply']);

    await env.client.delete(WIDGETS, { namespace: 'default', name: 'fin-a' });
    const deleting = await read('fin-a');
    expect(deleting?.metadata.deletionTimestamp).toBeTruthy();
    await finalizer(env.client, WIDGETS, FINALIZER, deleting!, reconcile);
    expect(seen).toEqual(['apply', 'cleanup']);
    expect(await read('fin-a')).toBeUndefined();
  });

  it('keeps the finalizer while cleanup asks to come back later', async () => {
    await env.client.create(WIDGETS, widget('fin-b'));
    await addFinalizer(env.client, WIDGETS, (await read('fin-b'))!, FINALIZER);
    await env.client.delete(WIDGETS, { namespace: 'default', name: 'fin-b' });
    const result = await finalizer(env.client, WIDGETS, FINALIZER, (await read('fin-b'))!, async () => ({
      requeueAfterMs: 5000,
    }));
    expect(result).toEqual({ requeueAfterMs: 5000 });
    expect((await read('fin-b'))?.metadata.finalizers).toEqual([FINALIZER]);
    await removeFinalizer(env.client, WIDGETS, (await read('fin-b'))!, FINALIZER);
    expect(await read('fin-b')).toBeUndefined();
  });

  it('leaves an object being deleted without our finalizer alone', async () => {
    await env.client.create(WIDGETS, {
      ...widget('fin-c'),
      metadata: { name: 'fin-c', namespace: 'default', finalizers: ['someone.else/keep'] },
    });
    await env.client.delete(WIDGETS, { namespace: 'default', name: 'fin-c' });
    let called = false;
    await finalizer(env.client, WIDGETS, FINALIZER, (await read('fin-c'))!, async () => {
      called = true;
      return {};
    });
    expect(called).toBe(false);
    expect((await read('fin-c'))?.metadata.finalizers).toEqual(['someone.else/keep']);
    await removeFinalizer(env.client, WIDGETS, (await read('fin-c'))!, 'someone.else/keep');
  });

  it('fails instead of clobbering when the finalizers changed since the object was read', async () => {
    await env.client.create(WIDGETS, widget('fin-d'));
    const stale = (await read('fin-d'))!;
    await addFinalizer(env.client, WIDGETS, stale, 'other.io/first');
    const error = await addFinalizer(env.client, WIDGETS, stale, FINALIZER).catch((e: unknown) => e);
    expect(isPatchTestFailed(error)).toBe(true);
    expect((await read('fin-d'))?.metadata.finalizers).toEqual(['other.io/first']);

    // With a fresh read it goes through, appended after the other finalizer.
    await addFinalizer(env.client, WIDGETS, (await read('fin-d'))!, FINALIZER);
    const both = (await read('fin-d'))!;
    expect(both.metadata.finalizers).toEqual(['other.io/first', FINALIZER]);

    // Removal tests the position it read: after someone else removed an earlier entry, it fails.
    await removeFinalizer(env.client, WIDGETS, both, 'other.io/first');
    const removal = await removeFinalizer(env.client, WIDGETS, both, FINALIZER).catch((e: unknown) => e);
    expect(isPatchTestFailed(removal)).toBe(true);
    expect((await read('fin-d'))?.metadata.finalizers).toEqual([FINALIZER]);
  });
});
