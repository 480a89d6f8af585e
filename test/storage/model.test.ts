import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/apiserver/errors.ts';
import type { Store, StoreEvent } from '../../src/apiserver/storage/store.ts';
import type { KubeObject } from '../../src/apiserver/types.ts';
import { key, SNAPSHOTS, snapshot, tempStores } from './store-fixtures.ts';

/** Small deterministic PRNG (mulberry32): a failing sequence replays exactly from its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rendered(objects: Iterable<KubeObject>): string[] {
  return [...objects].map(
    (o) =>
      `${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}:${JSON.stringify(o.spec)}`,
  );
}

describe('SqliteStore against a plain in-memory model', () => {
  const stores = tempStores();
  afterAll(() => stores.cleanup());

  it.each([1, 2, 3])(
    'agrees on every read, error and event through random writes and reopens (seed %i)',
    (seed) => {
      const next = random(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
      const file = `model-${seed}.db`;
      let store: Store = stores.open({ synchronous: 'NORMAL' }, file);
      const model = new Map<string, KubeObject>();
      let revision = 0;
      const events: StoreEvent[] = [];
      let stopWatch = store.watch(SNAPSHOTS, undefined, undefined, (e) => events.push(e));

      for (let step = 0; step < 400; step++) {
        const namespace = pick(['a', 'b']);
        const name = pick(['x', 'y', 'z', 'w']);
        const id = `${namespace}/${name}`;
        const current = model.get(id);
        const stale = next() < 0.2;
        const preconditions =
          current && next() < 0.5
            ? { resourceVersion: stale ? '999999' : current.metadata.resourceVersion! }
            : undefined;
        const operation = pick(['create', 'update', 'delete', 'reopen'] as const);
        const expectedEvents = events.length;

        if (operation === 'reopen') {
          stopWatch();
          store.close();
          store = stores.open({ synchronous: 'NORMAL' }, file);
          expect(store.currentRevision()).toBe(revision);
          stopWatch = store.watch(SNAPSHOTS, undefined, revision, (e) => events.push(e));
          continue;
        }
        try {
          if (operation === 'create') {
            const created = store.create(key(namespace, name), snapshot(namespace, name, { step }));
            expect(current, `create of existing ${id} succeeded`).toBeUndefined();
            model.set(id, created);
          } else if (operation === 'update') {
            const updated = store.update(
              key(namespace, name),
              snapshot(namespace, name, { step }),
              preconditions,
            );
            expect(current && !(preconditions && stale), `update of ${id} should have failed`).toBeTruthy();
            model.set(id, updated);
          } else {
            store.delete(key(namespace, name), preconditions);
            expect(current && !(preconditions && stale), `delete of ${id} should have failed`).toBeTruthy();
            model.delete(id);
          }
          revision++;
          expect(events.length).toBe(expectedEvents + 1);
          expect(events.at(-1)?.revision).toBe(revision);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          const expectedCode = operation === 'create' ? 409 : current ? 409 : 404;
          expect(error.code).toBe(expectedCode);
          expect(events.length).toBe(expectedEvents);
        }
        expect(store.currentRevision()).toBe(revision);
        expect(rendered(store.list(SNAPSHOTS).items)).toEqual(
          rendered([...model.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, o]) => o)),
        );
      }
      stopWatch();
    },
  );
});
