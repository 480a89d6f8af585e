import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/apiserver/errors.ts';
import type { Store, StoreEvent } from '../../src/apiserver/storage/store.ts';
import { key, SNAPSHOTS, snapshot, tempStores } from './store-fixtures.ts';

function summary(event: StoreEvent): string {
  return `${event.type} ${event.key.namespace}/${event.key.name}@${event.revision}`;
}

describe('SqliteStore: watch', () => {
  let stores: ReturnType<typeof tempStores>;
  let store: Store;
  beforeEach(() => {
    stores = tempStores();
    store = stores.open({ historyLimit: 8 });
  });
  afterEach(() => stores.cleanup());

  it('delivers live events in order, with previous objects and the deletion revision on DELETED', () => {
    const events: StoreEvent[] = [];
    store.watch(SNAPSHOTS, undefined, undefined, (e) => events.push(e));
    const created = store.create(key('a', 'x'), snapshot('a', 'x'));
    const updated = store.update(key('a', 'x'), { ...created, spec: { v: 2 } });
    const deleted = store.delete(key('a', 'x'));

    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(events.map((e) => e.object)).toEqual([created, updated, deleted]);
    expect(events.map((e) => e.revision)).toEqual(
      [created, updated, deleted].map((o) => Number(o.metadata.resourceVersion)),
    );
    expect(events[0]?.previous).toBeUndefined();
    expect(events[1]?.previous).toEqual(created);
    expect(events[2]?.previous).toEqual(updated);
  });

  it('replays from a list revision with no gap and no repeat', () => {
    store.create(key('a', 'before'), snapshot('a', 'before'));
    const listed = store.list(SNAPSHOTS);
    store.create(key('a', 'after-1'), snapshot('a', 'after-1'));
    store.create(key('a', 'after-2'), snapshot('a', 'after-2'));

    const events: StoreEvent[] = [];
    store.watch(SNAPSHOTS, undefined, listed.revision, (e) => events.push(e));
    store.create(key('a', 'live'), snapshot('a', 'live'));

    expect(events.map((e) => e.key.name)).toEqual(['after-1', 'after-2', 'live']);
    expect(events.map((e) => e.revision)).toEqual([
      listed.revision + 1,
      listed.revision + 2,
      listed.revision + 3,
    ]);
  });

  it('filters by resource and namespace', () => {
    const events: StoreEvent[] = [];
    store.watch(SNAPSHOTS, 'a', 0, (e) => events.push(e));
    store.create(key('a', 'in'), snapshot('a', 'in'));
    store.create(key('b', 'other-namespace'), snapshot('b', 'other-namespace'));
    store.create(key('a', 'other-resource', 'vmsnap.io/vmreverts'), snapshot('a', 'other-resource'));
    expect(events.map(summary)).toEqual(['ADDED a/in@1']);
  });

  it('applies the namespace filter to replayed events too', () => {
    store.create(key('a', 'x'), snapshot('a', 'x'));
    store.create(key('b', 'y'), snapshot('b', 'y'));
    store.create(key('a', 'z'), snapshot('a', 'z'));
    const events: StoreEvent[] = [];
    store.watch(SNAPSHOTS, 'a', 0, (e) => events.push(e));
    expect(events.map(summary)).toEqual(['ADDED a/x@1', 'ADDED a/z@3']);
  });

  it('delivers nothing at or below a future fromRevision', () => {
    const events: StoreEvent[] = [];
    store.watch(SNAPSHOTS, undefined, store.currentRevision() + 1, (e) => events.push(e));
    store.create(key('a', 'x'), snapshot('a', 'x'));
    store.create(key('a', 'y'), snapshot('a', 'y'));
    expect(events.map(summary)).toEqual(['ADDED a/y@2']);
  });

  it('replays to a watcher added from inside a listener without repeating queued events', () => {
    const late: number[] = [];
    store.watch(SNAPSHOTS, undefined, undefined, (e) => {
      if (e.key.name === 'first') {
        store.create(key('a', 'second'), snapshot('a', 'second'));
        store.watch(SNAPSHOTS, undefined, 0, (inner) => late.push(inner.revision));
      }
    });
    store.create(key('a', 'first'), snapshot('a', 'first'));
    store.create(key('a', 'third'), snapshot('a', 'third'));
    expect(late).toEqual([1, 2, 3]);
  });

  it('rejects a revision that is not a non-negative integer', () => {
    expect(() => store.watch(SNAPSHOTS, undefined, Number.NaN, () => {})).toThrow(/invalid resource version/);
    expect(() => store.watch(SNAPSHOTS, undefined, -1, () => {})).toThrow(/invalid resource version/);
  });

  it('answers 410 Expired in kube wording once the history has dropped the requested revision', () => {
    for (let i = 0; i < 10; i++) store.create(key('a', `o${i}`), snapshot('a', `o${i}`));
    // 10 events, 8 retained: revisions 3..10 are kept, so only watches from 2 or later are complete.
    expect(() => store.watch(SNAPSHOTS, undefined, 2, () => {})).not.toThrow();
    let error: unknown;
    try {
      store.watch(SNAPSHOTS, undefined, 1, () => {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(410);
    expect((error as ApiError).reason).toBe('Expired');
    expect((error as ApiError).message).toBe('too old resource version: 1 (2)');
  });

  it('starts the history at the stored revision after a restart', () => {
    store.create(key('a', 'x'), snapshot('a', 'x'));
    store.create(key('a', 'y'), snapshot('a', 'y'));
    const revision = store.currentRevision();
    store.close();
    const reopened = stores.open();
    expect(() => reopened.watch(SNAPSHOTS, undefined, revision - 1, () => {})).toThrow(
      `too old resource version: ${revision - 1} (${revision})`,
    );
    const events: StoreEvent[] = [];
    reopened.watch(SNAPSHOTS, undefined, revision, (e) => events.push(e));
    reopened.create(key('a', 'z'), snapshot('a', 'z'));
    expect(events.map((e) => e.revision)).toEqual([revision + 1]);
  });

  it('stops delivering after unsubscribe, even from inside a listener', () => {
    const events: string[] = [];
    const stop = store.watch(SNAPSHOTS, undefined, undefined, (e) => {
      events.push(e.key.name);
      stop();
    });
    store.create(key('a', 'x'), snapshot('a', 'x'));
    store.create(key('a', 'y'), snapshot('a', 'y'));
    expect(events).toEqual(['x']);
  });

  it('keeps revision order for every watcher when a listener writes during delivery', () => {
    const first: number[] = [];
    const second: number[] = [];
    store.watch(SNAPSHOTS, undefined, undefined, (e) => {
      first.push(e.revision);
      if (e.key.name === 'trigger') store.create(key('a', 'reaction'), snapshot('a', 'reaction'));
    });
    store.watch(SNAPSHOTS, undefined, undefined, (e) => second.push(e.revision));
    store.create(key('a', 'trigger'), snapshot('a', 'trigger'));
    expect(first).toEqual([1, 2]);
    expect(second).toEqual([1, 2]);
  });

  it('hands every watcher its own copy, so a mutating listener cannot corrupt others or replays', () => {
    const seen: unknown[] = [];
    store.watch(SNAPSHOTS, undefined, undefined, (e) => {
      e.object.metadata.name = 'mutated';
    });
    store.watch(SNAPSHOTS, undefined, undefined, (e) => seen.push(e.object.metadata.name));
    store.create(key('a', 'x'), snapshot('a', 'x'));
    store.watch(SNAPSHOTS, undefined, 0, (e) => seen.push(e.object.metadata.name));
    expect(seen).toEqual(['x', 'x']);
    expect(store.get(key('a', 'x'))?.metadata.name).toBe('x');
  });

  it('reports a throwing listener and still delivers to the others', () => {
    const failures: unknown[] = [];
    const isolated = stores.open({ onListenerError: (e) => failures.push(e) }, 'isolated.db');
    const delivered: string[] = [];
    isolated.watch(SNAPSHOTS, undefined, undefined, () => {
      throw new Error('listener bug');
    });
    isolated.watch(SNAPSHOTS, undefined, undefined, (e) => delivered.push(e.key.name));
    isolated.create(key('a', 'x'), snapshot('a', 'x'));
    expect(delivered).toEqual(['x']);
    expect(failures).toHaveLength(1);
    expect(isolated.get(key('a', 'x'))).toBeDefined();
  });
});
