import { afterEach, describe, expect, it } from 'vitest';
import {
  call,
  type Harness,
  openWatch,
  startHarness,
  type WatchEvent,
  WIDGETS,
  widget,
  widgetType,
} from './harness.ts';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const names = (events: WatchEvent[]) => events.map((e) => `${e.type} ${e.object.metadata?.name}`);

describe('watch', () => {
  it('from resourceVersion 0 sends ADDED for existing objects, then live events in order', async () => {
    h = await startHarness({ types: [widgetType()] });
    await call(h, 'POST', WIDGETS, widget('a'));
    await call(h, 'POST', WIDGETS, widget('b'));
    const w = await openWatch(h, `${WIDGETS}?watch=true&resourceVersion=0`);
    await w.waitFor((e) => e.length === 2);
    const a = (await call(h, 'GET', `${WIDGETS}/a`)).body;
    await call(h, 'PUT', `${WIDGETS}/a`, { ...a, spec: { size: 2 } });
    await call(h, 'DELETE', `${WIDGETS}/b`);
    const events = await w.waitFor((e) => e.length === 4);
    expect(names(events)).toEqual(['ADDED a', 'ADDED b', 'MODIFIED a', 'DELETED b']);
    expect(events[2]!.object.spec.size).toBe(2);
    // DELETED carries a new resourceVersion, past the last one the watcher saw.
    expect(Number(events[3]!.object.metadata.resourceVersion)).toBeGreaterThan(
      Number(events[2]!.object.metadata.resourceVersion),
    );
    w.close();
  });

  it('resumes after a list resourceVersion with no gap and no repeat', async () => {
    h = await startHarness({ types: [widgetType()] });
    await call(h, 'POST', WIDGETS, widget('before'));
    const list = (await call(h, 'GET', WIDGETS)).body;
    await call(h, 'POST', WIDGETS, widget('between'));
    const w = await openWatch(h, `${WIDGETS}?watch=1&resourceVersion=${list.metadata.resourceVersion}`);
    await call(h, 'POST', WIDGETS, widget('after'));
    expect(names(await w.waitFor((e) => e.length === 2))).toEqual(['ADDED between', 'ADDED after']);
    w.close();
  });

  it('turns selector exits into DELETED and entries into ADDED', async () => {
    h = await startHarness({ types: [widgetType()] });
    const w = await openWatch(h, `${WIDGETS}?watch=true&labelSelector=app%3Dweb`);
    const created = (
      await call(h, 'POST', WIDGETS, widget('x', { size: 1 }, { metadata: { labels: { app: 'other' } } }))
    ).body;
    const entered = (
      await call(h, 'PUT', `${WIDGETS}/x`, {
        ...created,
        metadata: { ...created.metadata, labels: { app: 'web' } },
      })
    ).body;
    const changed = (await call(h, 'PUT', `${WIDGETS}/x`, { ...entered, spec: { size: 3 } })).body;
    await call(h, 'PUT', `${WIDGETS}/x`, { ...changed, metadata: { ...changed.metadata, labels: {} } });
    const events = await w.waitFor((e) => e.length === 3);
    expect(names(events)).toEqual(['ADDED x', 'MODIFIED x', 'DELETED x']);
    w.close();
  });

  it('supports field selectors and the legacy /watch/ path', async () => {
    h = await startHarness({ types: [widgetType()] });
    const w = await openWatch(
      h,
      '/apis/example.com/v1/watch/namespaces/default/widgets?fieldSelector=metadata.name%3Dpick',
    );
    await call(h, 'POST', WIDGETS, widget('skip'));
    await call(h, 'POST', WIDGETS, widget('pick'));
    expect(names(await w.waitFor((e) => e.length === 1))).toEqual(['ADDED pick']);
    const one = await openWatch(h, `${WIDGETS}/pick?watch=true`);
    expect(names(await one.waitFor((e) => e.length === 1))).toEqual(['ADDED pick']);
    w.close();
    one.close();
  });

  it('ends with an ERROR event carrying 410 Expired for a resourceVersion older than the history', async () => {
    h = await startHarness({ types: [widgetType()], historyLimit: 3 });
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) await call(h, 'POST', WIDGETS, widget(name));
    const w = await openWatch(h, `${WIDGETS}?watch=true&resourceVersion=1`);
    await w.ended;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]!.type).toBe('ERROR');
    expect(w.events[0]!.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  it('sends BOOKMARK events only when allowed, and keep-alive newlines otherwise', async () => {
    h = await startHarness({ types: [widgetType()], watchBookmarkMs: 50, watchKeepAliveMs: 50 });
    await call(h, 'POST', WIDGETS, widget('a'));
    const bookmarks = await openWatch(
      h,
      `${WIDGETS}?watch=true&allowWatchBookmarks=true&resourceVersion=${h.store.currentRevision()}`,
    );
    const events = await bookmarks.waitFor((e) => e.some((x) => x.type === 'BOOKMARK'));
    const bookmark = events.find((e) => e.type === 'BOOKMARK')!;
    expect(bookmark.object).toEqual({
      kind: 'Widget',
      apiVersion: 'example.com/v1',
      metadata: { resourceVersion: String(h.store.currentRevision()) },
    });
    const plain = await openWatch(h, `${WIDGETS}?watch=true&resourceVersion=${h.store.currentRevision()}`);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (plain.lines.includes('')) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    expect(plain.events).toHaveLength(0);
    bookmarks.close();
    plain.close();
  });

  it('closes the stream after timeoutSeconds', async () => {
    h = await startHarness({ types: [widgetType()] });
    const w = await openWatch(h, `${WIDGETS}?watch=true&timeoutSeconds=1`);
    await w.ended;
    expect(w.isEnded()).toBe(true);
  });

  it('stores nothing and emits nothing for dry-run writes', async () => {
    h = await startHarness({ types: [widgetType()] });
    const w = await openWatch(h, `${WIDGETS}?watch=true`);
    await call(h, 'POST', `${WIDGETS}?dryRun=All`, widget('dry'));
    await call(h, 'POST', WIDGETS, widget('real'));
    expect(names(await w.waitFor((e) => e.length === 1))).toEqual(['ADDED real']);
    w.close();
  });

  it('carries one-row Tables when the watch asked for Tables', async () => {
    h = await startHarness({ types: [widgetType()] });
    await call(h, 'POST', WIDGETS, widget('t', { size: 4 }));
    const w = await openWatch(h, `${WIDGETS}?watch=true&resourceVersion=0`, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    const [event] = await w.waitFor((e) => e.length === 1);
    expect(event!.object.kind).toBe('Table');
    expect(event!.object.rows).toHaveLength(1);
    expect(event!.object.rows[0].cells.slice(0, 2)).toEqual(['t', 4]);
    expect(event!.object.rows[0].object).toMatchObject({
      kind: 'PartialObjectMetadata',
      metadata: { name: 't' },
    });
    w.close();
  });
});
