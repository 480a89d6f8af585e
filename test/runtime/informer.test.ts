import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startControlPlane } from '../../src/apiserver/server.ts';
import { Informer } from '../../src/runtime/informer.ts';
import { ExponentialBackoff } from '../../src/runtime/rate-limiter.ts';
import type { ChangeType } from '../../src/runtime/source.ts';
import { type ApiServerEnv, startApiServerEnv } from './api-server-env.ts';
import { FakeClock } from './fake-clock.ts';
import { WIDGETS, type Widget, widget } from './fixtures/widget-crd.ts';

function inSuite(suite: string, obj: Widget): Widget {
  return { ...obj, metadata: { ...obj.metadata, labels: { suite } } };
}

describe('Informer against the embedded API server', () => {
  let env: ApiServerEnv;
  const informers: Array<Informer<Widget>> = [];
  beforeAll(async () => {
    env = await startApiServerEnv();
  });
  afterEach(async () => {
    await Promise.all(informers.splice(0).map((i) => i.stop()));
  });
  afterAll(async () => {
    await env?.stop();
  });

  function startInformer(suite: string, options: { watchdogMs?: number; relistIntervalMs?: number } = {}) {
    const clock = new FakeClock();
    const logs: Array<Record<string, unknown>> = [];
    const informer = new Informer<Widget>({
      kubeConfig: env.kubeConfig,
      client: env.client,
      resource: WIDGETS,
      namespace: 'default',
      labelSelector: `suite=${suite}`,
      logger: pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) }),
      clock,
      restartBackoff: new ExponentialBackoff({ baseDelayMs: 1000, maxDelayMs: 10_000, random: () => 0 }),
      watchdogMs: options.watchdogMs ?? 0,
      relistIntervalMs: options.relistIntervalMs ?? 0,
    });
    const seen: Array<[ChangeType, string, string | undefined]> = [];
    /** For each update, the size the object had before it (the `previous` a subscriber is handed). */
    const before: Array<string | undefined> = [];
    informer.subscribe((obj, change, previous) => {
      seen.push([change, obj.metadata.name!, obj.spec?.size?.toString()]);
      if (change === 'update') before.push(previous?.spec?.size?.toString());
    });
    informers.push(informer);
    informer.start();
    return { informer, clock, seen, before, logs };
  }

  /** Widgets labelled `suite=<suite>`, so each test's informer sees only its own. */
  async function labelled(suite: string, names: string[]) {
    for (const name of names) await env.client.create(WIDGETS, inSuite(suite, widget(name)));
  }

  it('lists into its cache, syncs, and reports watch events once each', async () => {
    const ns = 'default';
    await labelled('basic', ['inf-a']);
    const { informer, seen, before } = startInformer('basic');
    expect(informer.hasSynced()).toBe(false);
    await informer.waitForSync();
    expect(informer.hasSynced()).toBe(true);
    expect(informer.get(ns, 'inf-a')?.spec?.size).toBe(1);
    expect(seen).toEqual([['add', 'inf-a', '1']]);

    await env.client.create(WIDGETS, inSuite('basic', widget('inf-b', 2)));
    await env.client.patch(
      WIDGETS,
      { namespace: ns, name: 'inf-a' },
      { type: 'merge', body: { spec: { size: 5 } } },
    );
    await env.client.delete(WIDGETS, { namespace: ns, name: 'inf-b' });
    await vi.waitFor(() =>
      expect(seen).toEqual([
        ['add', 'inf-a', '1'],
        ['add', 'inf-b', '2'],
        ['update', 'inf-a', '5'],
        ['delete', 'inf-b', '2'],
      ]),
    );
    expect(informer.list().map((w) => w.metadata.name)).toEqual(['inf-a']);
    expect(before).toEqual(['1']);
    expect(informer.get(ns, 'inf-b')).toBeUndefined();
  });

  it('relists when the watchdog fires and reports nothing for objects that did not change', async () => {
    await labelled('wd', ['wd-a', 'wd-b']);
    const list = vi.spyOn(env.client, 'list');
    const { informer, clock, seen, logs } = startInformer('wd', { watchdogMs: 60_000 });
    await informer.waitForSync();
    const listsBefore = list.mock.calls.length;
    clock.advance(60_000);
    await vi.waitFor(() => expect(list.mock.calls.length).toBe(listsBefore + 1));
    expect(logs.some((l) => String(l.msg).includes('no events for a while'))).toBe(true);
    await env.client.create(WIDGETS, inSuite('wd', widget('wd-c')));
    await vi.waitFor(() =>
      expect(seen.map(([c, n]) => `${c} ${n}`)).toEqual(['add wd-a', 'add wd-b', 'add wd-c']),
    );
    list.mockRestore();
  });

  it('relists periodically even while events flow', async () => {
    await labelled('pr', ['pr-a']);
    const list = vi.spyOn(env.client, 'list');
    const { informer, clock } = startInformer('pr', { relistIntervalMs: 600_000 });
    await informer.waitForSync();
    const listsBefore = list.mock.calls.length;
    clock.advance(600_000);
    await vi.waitFor(() => expect(list.mock.calls.length).toBe(listsBefore + 1));
    list.mockRestore();
  });
});

describe('Informer across an API server restart', () => {
  it('restarts with backoff after errors and reports what changed while it was away', async () => {
    const env = await startApiServerEnv();
    const port = Number(new URL(env.controlPlane.url).port);
    const clock = new FakeClock();
    const logs: Array<Record<string, unknown>> = [];
    const informer = new Informer<Widget>({
      kubeConfig: env.kubeConfig,
      client: env.client,
      resource: WIDGETS,
      namespace: 'default',
      logger: pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) }),
      clock,
      restartBackoff: new ExponentialBackoff({ baseDelayMs: 1000, maxDelayMs: 10_000, random: () => 0 }),
      watchdogMs: 0,
      relistIntervalMs: 0,
    });
    const seen: string[] = [];
    informer.subscribe((obj, change) => seen.push(`${change} ${obj.metadata.name} ${obj.spec?.size}`));
    let restarted: Awaited<ReturnType<typeof startControlPlane>> | undefined;
    try {
      await env.client.create(WIDGETS, widget('rs-gone', 1));
      await env.client.create(WIDGETS, widget('rs-kept', 1));
      informer.start();
      await informer.waitForSync();

      await env.controlPlane.close();
      const failures = () => logs.filter((l) => l.msg === 'list/watch failed; restarting');
      await vi.waitFor(() => expect(failures()).toHaveLength(1), { timeout: 10_000 });
      expect(failures()[0]?.restartInMs).toBe(1000);

      restarted = await startControlPlane({
        dataDir: env.controlPlane.dataDir,
        host: '127.0.0.1',
        port,
        logger: pino({ level: 'silent' }),
      });
      await env.client.delete(WIDGETS, { namespace: 'default', name: 'rs-gone' });
      await env.client.patch(
        WIDGETS,
        { namespace: 'default', name: 'rs-kept' },
        {
          type: 'merge',
          body: { spec: { size: 2 } },
        },
      );
      await env.client.create(WIDGETS, widget('rs-new', 3));
      expect(seen).toEqual(['add rs-gone 1', 'add rs-kept 1']);

      clock.advance(1000);
      await vi.waitFor(() =>
        expect(seen.slice(2).sort()).toEqual(['add rs-new 3', 'delete rs-gone 1', 'update rs-kept 2']),
      );
      expect(
        informer
          .list()
          .map((w) => w.metadata.name)
          .sort(),
      ).toEqual(['rs-kept', 'rs-new']);
    } finally {
      await informer.stop();
      await restarted?.close();
      await env.stop();
    }
  });
});
