import { describe, expect, it } from 'vitest';
import { serverSideApply, trackUpdate } from '../../src/apiserver/patch/index.ts';
import type { KubeObject } from '../../src/apiserver/types.ts';
import {
  configMap,
  configMapType,
  LATER,
  leaseType,
  NOW,
  snapshot,
  thrown,
  vmSnapshotType,
} from './fixtures.ts';

const apply = (live: KubeObject | undefined, applied: KubeObject, manager: string, extra: object = {}) =>
  serverSideApply({ live, applied, manager, force: false, type: vmSnapshotType, now: NOW, ...extra });

const entry = (object: KubeObject, manager: string) =>
  object.metadata.managedFields?.find((e) => e.manager === manager);

describe('serverSideApply', () => {
  it('creates a missing object; the applier owns exactly its fields, in FieldsV1', () => {
    const applied = snapshot(
      { vmName: 'vm1', memory: '1Gi', disks: [{ name: 'root', size: '10Gi' }], tags: ['a'] },
      { metadata: { name: 'snap', namespace: 'default', labels: { app: 'web' } } },
    );
    const created = apply(undefined, applied, 'kubectl');
    const { managedFields, ...rest } = created.metadata;
    expect({ ...created, metadata: rest }).toEqual(applied);
    expect(managedFields).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'vmsnap.io/v1alpha1',
        time: NOW,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:disks': { 'k:{"name":"root"}': { '.': {}, 'f:name': {}, 'f:size': {} } },
            'f:memory': {},
            'f:tags': { 'v:"a"': {} },
            'f:vmName': {},
          },
        },
      },
    ]);
  });

  it('re-applying the same configuration changes nothing, managedFields timestamps included', () => {
    const applied = snapshot({ vmName: 'vm1', memory: '1Gi' });
    const created = apply(undefined, applied, 'kubectl');
    const again = serverSideApply({
      live: created,
      applied,
      manager: 'kubectl',
      force: false,
      type: vmSnapshotType,
      now: LATER,
    });
    expect(again).toEqual(created);
  });

  it('a field another manager set differently is a 409 with kube message and causes; force takes it', () => {
    const created = trackUpdate(
      undefined,
      snapshot({ vmName: 'vm1', memory: '1Gi' }),
      'kubectl-client-side-apply',
      vmSnapshotType,
      undefined,
      NOW,
    );
    const applied = snapshot({ vmName: 'vm1', memory: '2Gi' });
    const error = thrown(() => apply(created, applied, 'kubectl'));
    expect(error.code).toBe(409);
    expect(error.reason).toBe('Conflict');
    expect(error.message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using vmsnap.io/v1alpha1: .spec.memory',
    );
    expect(error.details?.causes).toEqual([
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "kubectl-client-side-apply" using vmsnap.io/v1alpha1',
        field: '.spec.memory',
      },
    ]);

    const forced = apply(created, applied, 'kubectl', { force: true });
    expect(forced.spec).toEqual({ vmName: 'vm1', memory: '2Gi' });
    // vmName was applied with the same value: shared. memory moved to the applier.
    expect(entry(forced, 'kubectl')?.fieldsV1).toEqual({ 'f:spec': { 'f:memory': {}, 'f:vmName': {} } });
    expect(entry(forced, 'kubectl-client-side-apply')?.fieldsV1).toEqual({
      'f:spec': { '.': {}, 'f:vmName': {} },
    });
  });

  it('lists several conflicts grouped by manager', () => {
    let live = apply(undefined, snapshot({ memory: '1Gi', cpus: 1 }), 'alpha');
    live = apply(live, snapshot({ vmName: 'vm1' }), 'beta');
    const error = thrown(() => apply(live, snapshot({ memory: '2Gi', cpus: 2, vmName: 'vm2' }), 'gamma'));
    expect(error.message).toBe(
      'Apply failed with 3 conflicts: conflicts with "alpha":\n- .spec.cpus\n- .spec.memory\nconflicts with "beta":\n- .spec.vmName',
    );
    expect(error.details?.causes?.map((c) => c.field)).toEqual([
      '.spec.cpus',
      '.spec.memory',
      '.spec.vmName',
    ]);
  });

  it('applying the value another applier set shares ownership without conflict', () => {
    const first = apply(undefined, snapshot({ memory: '1Gi' }), 'alpha');
    const shared = apply(first, snapshot({ memory: '1Gi', cpus: 2 }), 'beta');
    expect(entry(shared, 'alpha')?.fieldsV1).toEqual({ 'f:spec': { 'f:memory': {} } });
    expect(entry(shared, 'beta')?.fieldsV1).toEqual({ 'f:spec': { 'f:cpus': {}, 'f:memory': {} } });
  });

  it('removes fields the applier dropped from its configuration unless another manager owns them', () => {
    const withLabels = {
      metadata: { name: 'snap', namespace: 'default', labels: { app: 'web', tier: 'x' } },
    };
    let live = apply(
      undefined,
      snapshot(
        { memory: '1Gi', cpus: 2, disks: [{ name: 'a' }, { name: 'b', size: '1G' }], tags: ['t1', 't2'] },
        withLabels,
      ),
      'kubectl',
    );
    live = apply(live, snapshot({ cpus: 2 }), 'other');
    const next = apply(
      live,
      snapshot(
        { disks: [{ name: 'b' }], tags: ['t2'] },
        { metadata: { name: 'snap', namespace: 'default' } },
      ),
      'kubectl',
    );
    // memory: dropped and unowned -> removed. cpus: still owned by "other" -> kept.
    // disk b's size and tag t1: dropped -> removed; labels emptied -> removed.
    expect(next.spec).toEqual({ cpus: 2, disks: [{ name: 'b' }], tags: ['t2'] });
    expect(next.metadata.labels).toBeUndefined();
    expect(entry(next, 'kubectl')?.fieldsV1).toEqual({
      'f:spec': { 'f:disks': { 'k:{"name":"b"}': { '.': {}, 'f:name': {} } }, 'f:tags': { 'v:"t2"': {} } },
    });
  });

  it('merges keyed lists item by item: conditions by type from two status appliers', () => {
    const base = apply(undefined, snapshot({ vmName: 'vm1' }), 'kubectl');
    const status = (conditions: object[]) => ({ status: { conditions } });
    const ready = apply(base, snapshot({}, status([{ type: 'Ready', status: 'True' }])), 'controller', {
      subresource: 'status',
    });
    const synced = apply(ready, snapshot({}, status([{ type: 'Synced', status: 'False' }])), 'syncer', {
      subresource: 'status',
    });
    expect(synced.spec).toEqual({ vmName: 'vm1' });
    expect(synced.status).toEqual({
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Synced', status: 'False' },
      ],
    });
    expect(entry(synced, 'controller')).toMatchObject({
      subresource: 'status',
      fieldsV1: {
        'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } } },
      },
    });
    // The status applier's Ready condition conflicts with nobody; the other applier's does.
    const error = thrown(() =>
      apply(synced, snapshot({}, status([{ type: 'Ready', status: 'False' }])), 'syncer', {
        subresource: 'status',
      }),
    );
    expect(error.message).toBe(
      'Apply failed with 1 conflict: conflict with "controller" with subresource "status": .status.conditions[type="Ready"].status',
    );
  });

  it('status applies change and own status only; main-resource applies ignore status', () => {
    const base = apply(undefined, snapshot({ vmName: 'vm1' }), 'kubectl');
    const statusApplied = apply(
      base,
      snapshot({ vmName: 'ignored' }, { status: { phase: 'Ready' } }),
      'controller',
      {
        subresource: 'status',
      },
    );
    expect(statusApplied.spec).toEqual({ vmName: 'vm1' });
    expect(statusApplied.status).toEqual({ phase: 'Ready' });
    expect(entry(statusApplied, 'controller')?.fieldsV1).toEqual({ 'f:status': { 'f:phase': {} } });

    const mainApplied = apply(
      statusApplied,
      snapshot({ vmName: 'vm1' }, { status: { phase: 'Gone' } }),
      'kubectl',
    );
    expect(mainApplied.status).toEqual({ phase: 'Ready' });
    expect(entry(mainApplied, 'kubectl')?.fieldsV1).toEqual({ 'f:spec': { 'f:vmName': {} } });
  });

  it('replaces atomic lists and maps whole', () => {
    let live = apply(undefined, snapshot({ args: ['a', 'b'], selector: { x: '1', y: '2' } }), 'kubectl');
    live = apply(live, snapshot({ args: ['c'], selector: { z: '3' } }), 'kubectl');
    expect(live.spec).toEqual({ args: ['c'], selector: { z: '3' } });
    expect(entry(live, 'kubectl')?.fieldsV1).toEqual({ 'f:spec': { 'f:args': {}, 'f:selector': {} } });
  });

  it('rejects a keyed-list item without its key with 400', () => {
    const error = thrown(() => apply(undefined, snapshot({ disks: [{ size: '1G' }] }), 'kubectl'));
    expect(error.code).toBe(400);
    expect(error.message).toBe(
      'failed to create typed patch object (vmsnap.io/v1alpha1, Kind=VMSnapshot) default/snap: .spec.disks: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
    );
  });

  it('rejects a configuration carrying managedFields with 400', () => {
    const applied = snapshot({}, { metadata: { name: 'snap', managedFields: [] } });
    const error = thrown(() => apply(undefined, applied, 'kubectl'));
    expect(error.code).toBe(400);
    expect(error.message).toBe('metadata.managedFields must be nil');
  });

  it('keeps live-only list items in place and orders the config items as the config does', () => {
    const live = trackUpdate(
      undefined,
      snapshot({ disks: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }),
      'creator',
      vmSnapshotType,
      undefined,
      NOW,
    );
    const merged = apply(live, snapshot({ disks: [{ name: 'c', size: '1G' }, { name: 'a' }] }), 'kubectl');
    expect((merged.spec as { disks: unknown[] }).disks).toEqual([
      { name: 'b' },
      { name: 'c', size: '1G' },
      { name: 'a' },
    ]);
  });

  it('gives the fields of an object without managedFields to before-first-apply', () => {
    const legacy = snapshot({ memory: '1Gi' });
    const error = thrown(() => apply(legacy, snapshot({ memory: '2Gi' }), 'kubectl'));
    expect(error.message).toBe(
      'Apply failed with 1 conflict: conflict with "before-first-apply" using vmsnap.io/v1alpha1: .spec.memory',
    );
  });

  it('tracks built-in structs like kube: fields owned through their children, lists atomic', () => {
    const lease = (holderIdentity: string): KubeObject => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'leader', namespace: 'default' },
      spec: { holderIdentity, leaseDurationSeconds: 15 },
    });
    const created = serverSideApply({
      live: undefined,
      applied: lease('a'),
      manager: 'm',
      force: false,
      type: leaseType,
      now: NOW,
    });
    expect(created.metadata.managedFields?.[0]?.fieldsV1).toEqual({
      'f:spec': { 'f:holderIdentity': {}, 'f:leaseDurationSeconds': {} },
    });
    const takenOver = trackUpdate(created, lease('b'), 'other', leaseType, undefined, LATER);
    const error = thrown(() =>
      serverSideApply({
        live: takenOver,
        applied: lease('a'),
        manager: 'm',
        force: false,
        type: leaseType,
        now: LATER,
      }),
    );
    expect(error.message).toBe(
      'Apply failed with 1 conflict: conflict with "other" using coordination.k8s.io/v1: .spec.holderIdentity',
    );
  });

  it('tracks built-in kinds without a schema: metadata typed, data maps by key', () => {
    const cm = configMap(
      { a: '1' },
      { finalizers: ['f1'], ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u1' }] },
    );
    const created = serverSideApply({
      live: undefined,
      applied: cm,
      manager: 'm',
      force: false,
      type: configMapType,
      now: NOW,
    });
    expect(created.metadata.managedFields?.[0]?.fieldsV1).toEqual({
      'f:data': { 'f:a': {} },
      'f:metadata': {
        'f:finalizers': { 'v:"f1"': {} },
        'f:ownerReferences': {
          'k:{"uid":"u1"}': { '.': {}, 'f:apiVersion': {}, 'f:kind': {}, 'f:name': {}, 'f:uid': {} },
        },
      },
    });
  });
});

describe('trackUpdate', () => {
  it('on create, the writer owns every field it set, with "." for maps it added', () => {
    const created = trackUpdate(
      undefined,
      snapshot(
        { memory: '1Gi' },
        { metadata: { name: 'snap', namespace: 'default', labels: { app: 'web' } } },
      ),
      'kubectl-create',
      vmSnapshotType,
      undefined,
      NOW,
    );
    expect(created.metadata.managedFields).toEqual([
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'vmsnap.io/v1alpha1',
        time: NOW,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': { '.': {}, 'f:memory': {} },
        },
      },
    ]);
  });

  it('an update takes the fields it changed away from their owners; the applier then conflicts', () => {
    const applied = snapshot({ memory: '1Gi', cpus: 1 });
    const live = apply(undefined, applied, 'kubectl');
    const edited = structuredClone(live);
    (edited.spec as Record<string, unknown>).memory = '4Gi';
    const updated = trackUpdate(live, edited, 'kubectl-edit', vmSnapshotType, undefined, LATER);
    expect(entry(updated, 'kubectl')?.fieldsV1).toEqual({ 'f:spec': { 'f:cpus': {} } });
    expect(entry(updated, 'kubectl-edit')).toMatchObject({
      time: LATER,
      fieldsV1: { 'f:spec': { 'f:memory': {} } },
    });
    expect(thrown(() => apply(updated, applied, 'kubectl')).message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-edit" using vmsnap.io/v1alpha1: .spec.memory',
    );
  });

  it('removed fields leave every owner; a no-op write leaves managedFields untouched', () => {
    const live = apply(undefined, snapshot({ memory: '1Gi', cpus: 1 }), 'kubectl');
    const withoutCpus = structuredClone(live);
    delete (withoutCpus.spec as Record<string, unknown>).cpus;
    const updated = trackUpdate(live, withoutCpus, 'editor', vmSnapshotType, undefined, LATER);
    expect(entry(updated, 'kubectl')?.fieldsV1).toEqual({ 'f:spec': { 'f:memory': {} } });
    expect(entry(updated, 'editor')).toBeUndefined();
    expect(
      trackUpdate(updated, structuredClone(updated), 'editor', vmSnapshotType, undefined, LATER),
    ).toEqual(updated);
  });

  it('honours managedFields sent by the client: a single empty entry clears them', () => {
    const live = apply(undefined, snapshot({ memory: '1Gi' }), 'kubectl');
    const reset = structuredClone(live);
    reset.metadata.managedFields = [{} as never];
    expect(
      trackUpdate(live, reset, 'x', vmSnapshotType, undefined, LATER).metadata.managedFields,
    ).toBeUndefined();
    const emptied = structuredClone(live);
    emptied.metadata.managedFields = [];
    expect(trackUpdate(live, emptied, 'x', vmSnapshotType, undefined, LATER).metadata.managedFields).toEqual(
      live.metadata.managedFields,
    );
  });

  it('keeps at most 10 Update managers, merging the oldest into ancient-changes', () => {
    let live = trackUpdate(undefined, snapshot({ vmName: 'vm' }), 'creator', vmSnapshotType, undefined, NOW);
    for (let i = 0; i < 10; i++) {
      const next = structuredClone(live);
      (next.spec as Record<string, unknown>)[`f${i}`] = 'x';
      live = trackUpdate(live, next, `writer-${i}`, vmSnapshotType, undefined, `2026-01-02T04:00:${10 + i}Z`);
    }
    // 11 updaters: the two oldest (creator, writer-0) became one bucket with the later one's time.
    const managers = live.metadata.managedFields?.map((e) => e.manager) ?? [];
    expect(managers).toHaveLength(10);
    expect(managers).not.toContain('creator');
    expect(managers).not.toContain('writer-0');
    expect(entry(live, 'ancient-changes')).toMatchObject({
      operation: 'Update',
      time: '2026-01-02T04:00:10Z',
      fieldsV1: { 'f:spec': { '.': {}, 'f:f0': {}, 'f:vmName': {} } },
    });
  });

  it('status writes own status only', () => {
    const live = trackUpdate(
      undefined,
      snapshot({ memory: '1Gi' }),
      'creator',
      vmSnapshotType,
      undefined,
      NOW,
    );
    const withStatus = { ...structuredClone(live), status: { phase: 'Ready' } };
    const updated = trackUpdate(live, withStatus, 'controller', vmSnapshotType, 'status', LATER);
    expect(entry(updated, 'controller')).toMatchObject({
      subresource: 'status',
      fieldsV1: { 'f:status': { '.': {}, 'f:phase': {} } },
    });
  });
});
