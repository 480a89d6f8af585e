// metadata.managedFields <-> the per-manager field sets apply and update reason about.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject, ManagedFieldsEntry } from '../../types.ts';
import { FieldSet } from './field-set.ts';
import { fieldElement } from './path-element.ts';

export interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

/** Managers keyed by identity. */
export type Managers = Map<string, Manager>;

/**
 * A manager's identity, as kube's BuildManagerIdentifier: name, operation and subresource, plus the apiVersion
 * for Update managers only (an applier keeps one entry across versions).
 */
export function managerKey(
  manager: string,
  operation: 'Apply' | 'Update',
  apiVersion: string,
  subresource?: string,
): string {
  return JSON.stringify([manager, operation, operation === 'Update' ? apiVersion : '', subresource ?? '']);
}

/** Decodes managedFields; entries that are not valid FieldsV1 are dropped (kube resets undecodable ones). */
export function decodeManagers(entries: readonly ManagedFieldsEntry[] | undefined): Managers {
  const managers: Managers = new Map();
  for (const entry of entries ?? []) {
    if (!entry || typeof entry.manager !== 'string') continue;
    if (entry.operation !== 'Apply' && entry.operation !== 'Update') continue;
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(entry.fieldsV1 ?? {});
    } catch {
      continue;
    }
    const manager: Manager = {
      manager: entry.manager,
      operation: entry.operation,
      apiVersion: entry.apiVersion ?? '',
      set,
    };
    if (entry.subresource) manager.subresource = entry.subresource;
    if (entry.time) manager.time = entry.time;
    const key = managerKey(manager.manager, manager.operation, manager.apiVersion, manager.subresource);
    const existing = managers.get(key);
    if (existing) existing.set = existing.set.union(set);
    else managers.set(key, manager);
  }
  return managers;
}

/** Encodes managers in kube's order: Apply before Update, then by time, manager, apiVersion, subresource. */
export function encodeManagers(managers: Managers): ManagedFieldsEntry[] {
  return [...managers.values()]
    .filter((m) => !m.set.isEmpty())
    .sort(
      (a, b) =>
        compareText(a.operation, b.operation) ||
        seconds(a.time) - seconds(b.time) ||
        compareText(a.manager, b.manager) ||
        compareText(a.apiVersion, b.apiVersion) ||
        compareText(a.subresource ?? '', b.subresource ?? ''),
    )
    .map(
      (m): ManagedFieldsEntry => ({
        manager: m.manager,
        operation: m.operation,
        apiVersion: m.apiVersion,
        ...(m.time ? { time: m.time } : {}),
        fieldsType: 'FieldsV1',
        fieldsV1: m.set.toFieldsV1(),
        ...(m.subresource ? { subresource: m.subresource } : {}),
      }),
    );
}

// kube's capManagersManager: at most this many Update entries; older ones merge into per-version buckets.
const MAX_UPDATE_MANAGERS = 10;
const ANCIENT_CHANGES = 'ancient-changes';

/**
 * Keeps managedFields bounded as kube does: beyond 10 Update managers, the oldest are merged into an
 * `ancient-changes` entry per apiVersion (the first old entry of a version becomes the bucket, later ones join
 * it, and the bucket takes the time of the latest joined).
 */
export function capUpdateManagers(managers: Managers): void {
  const updaters = [...managers.entries()]
    .filter(([, m]) => m.operation === 'Update')
    .sort(([keyA, a], [keyB, b]) => seconds(a.time) - seconds(b.time) || compareText(keyA, keyB));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (const [key, manager] of updaters) {
    if (length <= MAX_UPDATE_MANAGERS) return;
    const first = firstOfVersion.get(manager.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(manager.apiVersion, key);
      continue;
    }
    const bucketKey = managerKey(ANCIENT_CHANGES, 'Update', manager.apiVersion);
    if (key === bucketKey) continue;
    let bucket = managers.get(bucketKey);
    if (!bucket) {
      const seed = managers.get(first)!;
      managers.delete(first);
      bucket = {
        manager: ANCIENT_CHANGES,
        operation: 'Update',
        apiVersion: manager.apiVersion,
        set: seed.set,
      };
      managers.set(bucketKey, bucket);
    }
    bucket.set = manager.set.union(bucket.set);
    if (manager.time) bucket.time = manager.time;
    else delete bucket.time;
    managers.delete(key);
    length--;
  }
}

// kube's stripMetaManager: identity and server-set fields are never owned.
const STRIPPED = FieldSet.of([
  [fieldElement('apiVersion')],
  [fieldElement('kind')],
  [fieldElement('metadata')],
  ...[
    'name',
    'namespace',
    'creationTimestamp',
    'selfLink',
    'uid',
    'clusterName',
    'generation',
    'managedFields',
    'resourceVersion',
  ].map((field) => [fieldElement('metadata'), fieldElement(field)]),
]);

export function stripServerFields(set: FieldSet): FieldSet {
  return set.difference(STRIPPED);
}

/** Which part of an object a write may change and own: kube's reset fields for types with a status subresource. */
export type Scope = 'all' | 'main' | 'status';

export function scopeOf(hasStatus: boolean, subresource: string | undefined): Scope {
  if (subresource === 'status') return 'status';
  return hasStatus ? 'main' : 'all';
}

const STATUS = fieldElement('status');

export function scopeSet(set: FieldSet, scope: Scope): FieldSet {
  if (scope === 'status') return set.onlyUnder(STATUS);
  if (scope === 'main') return set.without(STATUS);
  return set;
}

/** The object without managedFields: the value the walks compare and merge. */
export function withoutManagedFields(object: KubeObject): KubeObject {
  const copy = structuredClone(object);
  if (copy.metadata) delete copy.metadata.managedFields;
  return copy;
}

/**
 * kube's IgnoreManagedFieldsTimestampsTransformer: a write that changes nothing but managedFields timestamps
 * keeps the old timestamps, so no-op applies and updates cause no churn (and no new resourceVersion upstream).
 */
export function keepTimestampsOnNoop(old: KubeObject | undefined, updated: KubeObject): KubeObject {
  if (!old) return updated;
  if (!isDeepStrictEqual(withoutManagedFields(old), withoutManagedFields(updated))) return updated;
  const oldEntries = old.metadata.managedFields ?? [];
  const newEntries = updated.metadata.managedFields ?? [];
  const sameButTime = (a: ManagedFieldsEntry, b: ManagedFieldsEntry) =>
    isDeepStrictEqual({ ...a, time: undefined }, { ...b, time: undefined });
  if (oldEntries.length !== newEntries.length) return updated;
  if (!newEntries.every((entry) => oldEntries.some((o) => sameButTime(o, entry)))) return updated;
  return { ...updated, metadata: { ...updated.metadata, managedFields: structuredClone(oldEntries) } };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function seconds(time: string | undefined): number {
  if (!time) return 0;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}
