import { describe, expect, it } from 'vitest';
import { strategicMergePatch } from '../../src/apiserver/patch/index.ts';
import { thrown } from './fixtures.ts';

const owner = (uid: string, name = uid) => ({ apiVersion: 'v1', kind: 'ConfigMap', name, uid });

const live = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 's',
    labels: { app: 'web', tier: 'db' },
    finalizers: ['a', 'b'],
    ownerReferences: [owner('u1', 'one'), owner('u2', 'two')],
    managedFields: [{ manager: 'x', operation: 'Update' }],
  },
  data: { k1: 'djE=', k2: 'djI=' },
  spec: { finalizers: ['kubernetes'] },
};

describe('strategicMergePatch', () => {
  it('merges maps and deletes keys set to null', () => {
    const out = strategicMergePatch(live, {
      metadata: { labels: { tier: null, env: 'prod' } },
      data: { k3: 'djM=' },
    });
    expect(out.metadata).toMatchObject({ labels: { app: 'web', env: 'prod' } });
    expect(out.data).toEqual({ k1: 'djE=', k2: 'djI=', k3: 'djM=' });
  });

  it('merges metadata.finalizers as a set and deletes with $deleteFromPrimitiveList', () => {
    expect(strategicMergePatch(live, { metadata: { finalizers: ['b', 'c'] } }).metadata).toMatchObject({
      finalizers: ['a', 'b', 'c'],
    });
    const out = strategicMergePatch(live, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } });
    expect((out.metadata as Record<string, unknown>).finalizers).toEqual(['b']);
  });

  it('merges metadata.ownerReferences by uid, deletes with $patch: delete, replaces with $patch: replace', () => {
    const merged = strategicMergePatch(live, {
      metadata: { ownerReferences: [{ uid: 'u2', name: 'renamed' }, owner('u3')] },
    });
    expect((merged.metadata as Record<string, unknown>).ownerReferences).toEqual([
      owner('u1', 'one'),
      owner('u2', 'renamed'),
      owner('u3'),
    ]);
    const deleted = strategicMergePatch(live, {
      metadata: { ownerReferences: [{ uid: 'u1', $patch: 'delete' }] },
    });
    expect((deleted.metadata as Record<string, unknown>).ownerReferences).toEqual([owner('u2', 'two')]);
    const replaced = strategicMergePatch(live, {
      metadata: { ownerReferences: [{ $patch: 'replace' }, owner('u9')] },
    });
    expect((replaced.metadata as Record<string, unknown>).ownerReferences).toEqual([owner('u9')]);
  });

  it('rejects a merge-list item without its merge key', () => {
    const error = thrown(() => strategicMergePatch(live, { metadata: { ownerReferences: [{ name: 'x' }] } }));
    expect(error.code).toBe(400);
    expect(error.message).toContain('does not contain declared merge key: uid');
  });

  it('replaces lists without a merge strategy, managedFields included', () => {
    const out = strategicMergePatch(live, { metadata: { managedFields: [] }, spec: { finalizers: ['x'] } });
    expect((out.metadata as Record<string, unknown>).managedFields).toEqual([]);
    expect(out.spec).toEqual({ finalizers: ['x'] });
  });

  it('orders merged lists as kube does: patched items first unless the server had them earlier', () => {
    const appended = strategicMergePatch(live, { metadata: { finalizers: ['c'] } });
    expect((appended.metadata as Record<string, unknown>).finalizers).toEqual(['c', 'a', 'b']);
    const kept = strategicMergePatch(live, { metadata: { finalizers: ['b', 'c'] } });
    expect((kept.metadata as Record<string, unknown>).finalizers).toEqual(['a', 'b', 'c']);
    const kubectlStyle = strategicMergePatch(live, {
      metadata: { finalizers: ['c'], '$setElementOrder/finalizers': ['a', 'b', 'c'] },
    });
    expect((kubectlStyle.metadata as Record<string, unknown>).finalizers).toEqual(['a', 'b', 'c']);
  });

  it('orders a merged list by $setElementOrder', () => {
    const out = strategicMergePatch(live, {
      metadata: { finalizers: ['c'], '$setElementOrder/finalizers': ['c', 'b', 'a'] },
    });
    expect((out.metadata as Record<string, unknown>).finalizers).toEqual(['c', 'b', 'a']);
    const refs = strategicMergePatch(live, {
      metadata: { '$setElementOrder/ownerReferences': [{ uid: 'u2' }, { uid: 'u1' }] },
    });
    expect(
      ((refs.metadata as Record<string, unknown>).ownerReferences as { uid: string }[]).map((r) => r.uid),
    ).toEqual(['u2', 'u1']);
  });

  it('honours $patch: replace and $patch: delete on maps', () => {
    expect(strategicMergePatch(live, { data: { $patch: 'replace', only: 'eA==' } }).data).toEqual({
      only: 'eA==',
    });
    expect(strategicMergePatch(live, { data: { $patch: 'delete' } })).not.toHaveProperty('data');
    expect(strategicMergePatch(live, { data: { $patch: 'merge', k3: 'eg==' } }).data).toMatchObject({
      k1: 'djE=',
      k3: 'eg==',
    });
  });

  it('keeps only $retainKeys keys, and rejects a patch whose keys are not retained', () => {
    const out = strategicMergePatch(live, { data: { $retainKeys: ['k2', 'k3'], k3: 'eg==' } });
    expect(out.data).toEqual({ k2: 'djI=', k3: 'eg==' });
    expect(thrown(() => strategicMergePatch(live, { data: { $retainKeys: ['k2'], k3: 'eg==' } })).code).toBe(
      422,
    );
  });

  it('rejects malformed directives with 400', () => {
    expect(thrown(() => strategicMergePatch(live, { data: { $patch: 'explode' } })).code).toBe(400);
    expect(
      thrown(() => strategicMergePatch(live, { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }))
        .code,
    ).toBe(400);
  });

  it('does not mutate its inputs', () => {
    const copy = structuredClone(live);
    strategicMergePatch(live, { metadata: { labels: { app: null }, finalizers: ['z'] } });
    expect(live).toEqual(copy);
  });
});
