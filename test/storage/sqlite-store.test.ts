import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/apiserver/errors.ts';
import type { Store } from '../../src/apiserver/storage/store.ts';
import { key, SNAPSHOTS, snapshot, tempStores } from './store-fixtures.ts';

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('SqliteStore: object semantics', () => {
  let stores: ReturnType<typeof tempStores>;
  let store: Store;
  beforeEach(() => {
    stores = tempStores();
    store = stores.open();
  });
  afterEach(() => stores.cleanup());

  it('creates, gets, updates and deletes, stamping each write with the next revision', () => {
    const start = store.currentRevision();
    const created = store.create(key('prod', 'a'), snapshot('prod', 'a'));
    expect(created.metadata.resourceVersion).toBe(String(start + 1));
    expect(store.get(key('prod', 'a'))).toEqual(created);

    const updated = store.update(key('prod', 'a'), { ...created, spec: { virtualMachineName: 'web-2' } });
    expect(updated.metadata.resourceVersion).toBe(String(start + 2));
    expect(store.get(key('prod', 'a'))?.spec).toEqual({ virtualMachineName: 'web-2' });

    const deleted = store.delete(key('prod', 'a'));
    expect(deleted.metadata.resourceVersion).toBe(String(start + 3));
    expect(deleted.spec).toEqual({ virtualMachineName: 'web-2' });
    expect(store.get(key('prod', 'a'))).toBeUndefined();
    expect(store.currentRevision()).toBe(start + 3);
  });

  it('rejects a duplicate create with 409 AlreadyExists naming the resource the way kube does', () => {
    store.create(key('prod', 'a'), snapshot('prod', 'a'));
    const error = apiError(() => store.create(key('prod', 'a'), snapshot('prod', 'a')));
    expect(error.code).toBe(409);
    expect(error.reason).toBe('AlreadyExists');
    expect(error.message).toBe('vmsnapshots.vmsnap.io "a" already exists');
  });

  it('answers 404 for updates and deletes of missing objects; core resources print without a group', () => {
    const update = apiError(() => store.update(key('prod', 'x'), snapshot('prod', 'x')));
    expect([update.code, update.message]).toEqual([404, 'vmsnapshots.vmsnap.io "x" not found']);
    const del = apiError(() => store.delete(key('prod', 'cm', '/configmaps')));
    expect([del.code, del.message]).toEqual([404, 'configmaps "cm" not found']);
  });

  it('uses a caller-supplied describe hook for messages', () => {
    const described = stores.open(
      { describe: (k) => ({ group: 'example.io', resourceOrKind: `things-${k.namespace}` }) },
      'described.db',
    );
    expect(apiError(() => described.delete(key('ns', 'n'))).message).toBe(
      'things-ns.example.io "n" not found',
    );
  });

  it('gives the second of two writers holding the same resourceVersion 409 Conflict', () => {
    const created = store.create(key('prod', 'a'), snapshot('prod', 'a'));
    const version = created.metadata.resourceVersion!;
    store.update(key('prod', 'a'), { ...created, spec: { first: true } }, { resourceVersion: version });
    const error = apiError(() =>
      store.update(key('prod', 'a'), { ...created, spec: { second: true } }, { resourceVersion: version }),
    );
    expect(error.code).toBe(409);
    expect(error.reason).toBe('Conflict');
    expect(error.message).toBe(
      'Operation cannot be fulfilled on vmsnapshots.vmsnap.io "a": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect(store.get(key('prod', 'a'))?.spec).toEqual({ first: true });
  });

  it('checks uid and resourceVersion preconditions on delete', () => {
    const created = store.create(key('prod', 'a'), {
      ...snapshot('prod', 'a'),
      metadata: { name: 'a', namespace: 'prod', uid: 'u-1' },
    });
    expect(apiError(() => store.delete(key('prod', 'a'), { uid: 'u-2' })).message).toContain(
      'Precondition failed: UID in precondition: u-2, UID in object meta: u-1',
    );
    expect(apiError(() => store.delete(key('prod', 'a'), { resourceVersion: '0' })).code).toBe(409);
    const deleted = store.delete(key('prod', 'a'), {
      uid: 'u-1',
      resourceVersion: created.metadata.resourceVersion!,
    });
    expect(deleted.metadata.uid).toBe('u-1');
  });

  it('lists one namespace or all, ordered by namespace then name, with the current revision', () => {
    for (const [ns, name] of [
      ['b', 'z'],
      ['a', 'y'],
      ['b', 'a'],
      ['a', 'B'],
    ] as const) {
      store.create(key(ns, name), snapshot(ns, name));
    }
    store.create(key('', 'other', '/namespaces'), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'other' },
    });
    const all = store.list(SNAPSHOTS);
    expect(all.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'a/B',
      'a/y',
      'b/a',
      'b/z',
    ]);
    expect(all.revision).toBe(store.currentRevision());
    expect(store.list(SNAPSHOTS, 'b').items.map((o) => o.metadata.name)).toEqual(['a', 'z']);
    expect(store.list(SNAPSHOTS, 'none').items).toEqual([]);
    expect(store.list('/namespaces').items.map((o) => o.metadata.name)).toEqual(['other']);
  });

  it('never hands out or keeps references: callers may mutate what they pass in and get back', () => {
    const input = snapshot('prod', 'a');
    const created = store.create(key('prod', 'a'), input);
    (input.metadata.labels as Record<string, string>).app = 'mutated-input';
    (created.metadata.labels as Record<string, string>).app = 'mutated-result';
    const fetched = store.get(key('prod', 'a'))!;
    expect(fetched.metadata.labels).toEqual({ app: 'web' });
    expect(input.metadata.resourceVersion).toBeUndefined();
    (fetched.spec as Record<string, unknown>).virtualMachineName = 'mutated-get';
    const listed = store.list(SNAPSHOTS).items[0]!;
    expect(listed.spec).toEqual({ virtualMachineName: 'web-1' });
    listed.metadata.name = 'mutated-list';
    expect(store.get(key('prod', 'a'))?.metadata.name).toBe('a');
  });

  it('refuses an object whose metadata disagrees with its key', () => {
    expect(apiError(() => store.create(key('prod', 'a'), snapshot('prod', 'b'))).code).toBe(500);
    expect(store.get(key('prod', 'a'))).toBeUndefined();
  });

  it('refuses an object JSON cannot hold, consuming no revision', () => {
    const before = store.currentRevision();
    const bad = { ...snapshot('prod', 'a'), spec: { size: 10n } };
    expect(apiError(() => store.create(key('prod', 'a'), bad)).message).toContain('cannot be stored as JSON');
    expect(store.currentRevision()).toBe(before);
    expect(store.create(key('prod', 'a'), snapshot('prod', 'a')).metadata.resourceVersion).toBe(
      String(before + 1),
    );
  });

  it('stores cluster-scoped objects under the empty namespace', () => {
    const namespaceKey = key('', 'prod', '/namespaces');
    store.create(namespaceKey, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });
    expect(store.get(namespaceKey)?.metadata.name).toBe('prod');
    expect(store.list('/namespaces', '').items).toHaveLength(1);
  });

  it('keeps objects and the revision across a reopen, and revisions keep increasing after deletes', () => {
    store.create(key('prod', 'a'), snapshot('prod', 'a'));
    store.create(key('prod', 'b'), snapshot('prod', 'b'));
    store.delete(key('prod', 'b'));
    const revision = store.currentRevision();
    store.close();

    const reopened = stores.open();
    expect(reopened.currentRevision()).toBe(revision);
    expect(reopened.list(SNAPSHOTS).items.map((o) => o.metadata.name)).toEqual(['a']);
    const next = reopened.create(key('prod', 'c'), snapshot('prod', 'c'));
    expect(Number(next.metadata.resourceVersion)).toBe(revision + 1);
  });

  it('refuses a second opener of the same file while the first holds it', () => {
    expect(() => stores.open()).toThrow(/in use by another process/);
    store.create(key('prod', 'a'), snapshot('prod', 'a'));
    expect(store.get(key('prod', 'a'))).toBeDefined();
  });

  it('says which file it could not open', () => {
    expect(() => stores.open({}, 'missing-dir/store.db')).toThrow(
      /^cannot open store file .*missing-dir\/store.db: /,
    );
  });

  it('fails every call after close with a clear error', () => {
    store.close();
    expect(apiError(() => store.get(key('prod', 'a'))).message).toContain('the store is closed');
  });
});
