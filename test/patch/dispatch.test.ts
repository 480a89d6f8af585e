import { describe, expect, it } from 'vitest';
import type { PatchContext } from '../../src/apiserver/patch/index.ts';
import { acceptedPatchTypes, applyPatch, serverSideApply } from '../../src/apiserver/patch/index.ts';
import { configMap, configMapType, LATER, NOW, snapshot, thrown, vmSnapshotType } from './fixtures.ts';

const crCtx: PatchContext = { type: vmSnapshotType, manager: 'kubectl-patch', now: LATER, name: 'snap' };
const cmCtx: PatchContext = { type: configMapType, manager: 'kubectl-patch', now: LATER, name: 'cm' };

const liveSnapshot = serverSideApply({
  live: undefined,
  applied: snapshot({ memory: '1Gi', cpus: 1 }),
  manager: 'kubectl',
  force: false,
  type: vmSnapshotType,
  now: NOW,
});

describe('applyPatch', () => {
  it('lists the accepted types: no strategic merge for custom resources', () => {
    expect(acceptedPatchTypes(vmSnapshotType)).toEqual([
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/apply-patch+yaml',
    ]);
    expect(acceptedPatchTypes(configMapType)).toContain('application/strategic-merge-patch+json');
  });

  it('answers 415 with kube message for strategic merge on a custom resource and unknown types', () => {
    const error = thrown(() =>
      applyPatch('application/strategic-merge-patch+json', liveSnapshot, '{}', crCtx),
    );
    expect(error.code).toBe(415);
    expect(error.reason).toBe('UnsupportedMediaType');
    expect(error.message).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
    expect(thrown(() => applyPatch('text/plain', liveSnapshot, '{}', crCtx)).code).toBe(415);
    expect(thrown(() => applyPatch(undefined, liveSnapshot, '{}', crCtx)).code).toBe(415);
  });

  it('merge patch (with a charset parameter) changes the object and records an Update manager', () => {
    const out = applyPatch(
      'application/merge-patch+json; charset=utf-8',
      liveSnapshot,
      JSON.stringify({ spec: { cpus: 4 } }),
      crCtx,
    );
    expect(out.spec).toEqual({ memory: '1Gi', cpus: 4 });
    expect(out.metadata.managedFields).toEqual([
      expect.objectContaining({
        manager: 'kubectl',
        operation: 'Apply',
        fieldsV1: { 'f:spec': { 'f:memory': {} } },
      }),
      expect.objectContaining({
        manager: 'kubectl-patch',
        operation: 'Update',
        apiVersion: 'vmsnap.io/v1alpha1',
        time: LATER,
        fieldsV1: { 'f:spec': { 'f:cpus': {} } },
      }),
    ]);
  });

  it('JSON patch from a Uint8Array body; a failing test op is 422', () => {
    const body = new TextEncoder().encode(
      JSON.stringify([{ op: 'replace', path: '/spec/memory', value: '2Gi' }]),
    );
    expect(applyPatch('application/json-patch+json', liveSnapshot, body, crCtx).spec).toEqual({
      memory: '2Gi',
      cpus: 1,
    });
    const failing = JSON.stringify([{ op: 'test', path: '/spec/memory', value: '9Gi' }]);
    expect(thrown(() => applyPatch('application/json-patch+json', liveSnapshot, failing, crCtx)).code).toBe(
      422,
    );
  });

  it('strategic merge on a built-in merges finalizers as a set', () => {
    const cm = configMap({ a: '1' }, { finalizers: ['x'] });
    const out = applyPatch(
      'application/strategic-merge-patch+json',
      cm,
      '{"metadata":{"finalizers":["y"]}}',
      cmCtx,
    );
    // Without $setElementOrder kube puts the patch's new items first.
    expect(out.metadata.finalizers).toEqual(['y', 'x']);
  });

  it('apply patch accepts YAML, creates a missing object and owns its fields', () => {
    const yaml =
      'apiVersion: vmsnap.io/v1alpha1\nkind: VMSnapshot\nmetadata:\n  name: snap\nspec:\n  memory: 1Gi\n';
    const out = applyPatch('application/apply-patch+yaml', undefined, yaml, { ...crCtx, manager: 'kubectl' });
    expect(out.spec).toEqual({ memory: '1Gi' });
    expect(out.metadata.managedFields?.[0]).toMatchObject({ manager: 'kubectl', operation: 'Apply' });
  });

  it('apply patch with force resolves conflicts; without it they are 409', () => {
    const body = JSON.stringify(snapshot({ memory: '8Gi' }));
    expect(thrown(() => applyPatch('application/apply-patch+yaml', liveSnapshot, body, crCtx)).code).toBe(
      409,
    );
    const forced = applyPatch('application/apply-patch+yaml', liveSnapshot, body, { ...crCtx, force: true });
    expect(forced.spec).toEqual({ memory: '8Gi', cpus: 1 });
  });

  it('rejects bad bodies and options the way kube does', () => {
    const badJson = thrown(() => applyPatch('application/merge-patch+json', liveSnapshot, '{nope', crCtx));
    expect(badJson.code).toBe(400);
    expect(badJson.message).toMatch(/^error decoding patch: /);
    expect(thrown(() => applyPatch('application/merge-patch+json', liveSnapshot, '[1]', crCtx)).code).toBe(
      400,
    );
    expect(
      thrown(() => applyPatch('application/apply-patch+yaml', liveSnapshot, 'a: [', crCtx)).message,
    ).toMatch(/^error decoding YAML: /);
    const wrongVersion = thrown(() =>
      applyPatch(
        'application/apply-patch+yaml',
        liveSnapshot,
        '{"apiVersion":"vmsnap.io/v1","kind":"VMSnapshot"}',
        crCtx,
      ),
    );
    expect(wrongVersion.message).toBe(
      'Incorrect version specified in apply patch. Specified patch version: vmsnap.io/v1, expected: vmsnap.io/v1alpha1',
    );
    const noManager = thrown(() =>
      applyPatch('application/apply-patch+yaml', liveSnapshot, JSON.stringify(snapshot({})), {
        ...crCtx,
        manager: '',
      }),
    );
    expect(noManager.code).toBe(422);
    expect(
      thrown(() => applyPatch('application/merge-patch+json', liveSnapshot, '{}', { ...crCtx, force: true }))
        .code,
    ).toBe(422);
  });

  it('a non-apply patch of a missing object is 404 naming the resource', () => {
    const error = thrown(() => applyPatch('application/merge-patch+json', undefined, '{}', crCtx));
    expect(error.code).toBe(404);
    expect(error.message).toBe('vmsnapshots.vmsnap.io "snap" not found');
  });
});
