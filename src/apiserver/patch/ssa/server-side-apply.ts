// Server-side apply (PATCH application/apply-patch+yaml), after structured-merge-diff's Updater.Apply.
import { errors } from '../../errors.ts';
import type { KubeObject, ResourceType } from '../../types.ts';
import { isPlainObject } from '../json-merge-patch.ts';
import type { ApplyRequest } from '../patch-types.ts';
import { applyConflictError, type ManagerConflict } from './conflicts.ts';
import { FieldSet } from './field-set.ts';
import {
  capUpdateManagers,
  decodeManagers,
  encodeManagers,
  keepTimestampsOnNoop,
  type Manager,
  type Managers,
  managerKey,
  type Scope,
  scopeOf,
  scopeSet,
  stripServerFields,
  withoutManagedFields,
} from './managers.ts';
import { type TypeNode, typeModelOf } from './type-model.ts';
import { compare, fieldSetOf, merge, removeFields } from './walks.ts';

const BEFORE_FIRST_APPLY = 'before-first-apply';

/**
 * Merges the applied configuration into the live object (or creates it when `live` is undefined) and returns
 * the result with `metadata.managedFields` updated. Pure: nothing passed in is mutated.
 *
 * - The applier (manager, Apply, subresource) then owns exactly the fields of its configuration.
 * - Fields it owned before and no longer applies are removed, unless another manager owns them.
 * - Changing a field another manager owns is a 409 Conflict listing every such field, unless `force`, which
 *   takes the fields away from their owners. Setting a field to the value it already has shares ownership.
 * - Types with a status subresource: main-resource applies ignore `status`; status applies change and own
 *   `status` only.
 * - Idempotent: re-applying the same configuration returns the live object unchanged, timestamps included.
 * Throws 400 for a configuration that cannot be typed (a keyed-list item without its key fields) or that
 * carries metadata.managedFields.
 */
export function serverSideApply(req: ApplyRequest): KubeObject {
  if (req.applied.metadata?.managedFields != null)
    throw errors.badRequest('metadata.managedFields must be nil');
  const model = typeModelOf(req.type);
  const scope = scopeOf(req.type.hasStatus, req.subresource);
  const live = req.live ? withoutManagedFields(req.live) : emptyLike(req.applied);
  const applied = withoutManagedFields(req.applied);
  applied.metadata ??= {};
  const config = scopedConfig(applied, scope);

  const managers = decodeManagers(req.live?.metadata.managedFields);
  if (req.live && managers.size === 0) addBeforeFirstApply(managers, live, model, scope);

  const applierKey = managerKey(req.manager, 'Apply', config.apiVersion, req.subresource);
  const lastSet = managers.get(applierKey)?.set;
  const applier: Manager = {
    manager: req.manager,
    operation: 'Apply',
    apiVersion: config.apiVersion,
    time: req.now,
    set: stripServerFields(scopeSet(typedFieldSet(config, model, req.type), scope)),
  };
  if (req.subresource) applier.subresource = req.subresource;
  managers.set(applierKey, applier);

  let merged = merge(live, config, model) as KubeObject;
  if (lastSet) merged = prune(merged, lastSet, managers, model);

  const changes = compare(live, merged, model);
  const changed = scopeSet(changes.modified.union(changes.added), scope);
  const removed = scopeSet(changes.removed, scope);
  const conflicts: ManagerConflict[] = [];
  for (const [key, manager] of managers) {
    if (key === applierKey) continue;
    const fields = manager.set.intersection(changed);
    if (!fields.isEmpty()) conflicts.push({ manager, fields });
  }
  if (conflicts.length > 0 && !req.force) throw applyConflictError(conflicts);
  for (const [key, manager] of managers) {
    if (key === applierKey) continue;
    manager.set = manager.set.difference(changed).difference(removed);
    if (manager.set.isEmpty()) managers.delete(key);
  }

  const result: KubeObject = { ...merged, metadata: { ...merged.metadata } };
  capUpdateManagers(managers);
  const entries = encodeManagers(managers);
  if (entries.length > 0) result.metadata.managedFields = entries;
  return keepTimestampsOnNoop(req.live, result);
}

/** Removes what the applier owned last time and no longer applies, unless someone (the applier included) owns it. */
function prune(merged: KubeObject, lastSet: FieldSet, managers: Managers, model: TypeNode): KubeObject {
  let owned = new FieldSet();
  for (const manager of managers.values()) owned = owned.union(manager.set);
  const toRemove = lastSet.difference(owned);
  if (toRemove.isEmpty()) return merged;
  return removeFields(merged, toRemove, owned, model) as KubeObject;
}

/** kube gives the fields of an object that never had managedFields to `before-first-apply`, so apply can conflict. */
function addBeforeFirstApply(managers: Managers, live: KubeObject, model: TypeNode, scope: Scope): void {
  const existing = compare(emptyLike(live), live, model);
  const set = stripServerFields(scopeSet(existing.added.union(existing.modified), scope));
  if (set.isEmpty()) return;
  managers.set(managerKey(BEFORE_FIRST_APPLY, 'Update', live.apiVersion), {
    manager: BEFORE_FIRST_APPLY,
    operation: 'Update',
    apiVersion: live.apiVersion,
    set,
  });
}

/**
 * kube answers an untypeable configuration with a reason-less 500 carrying this message; a 400 says the same
 * and tells clients the request, not the server, is at fault.
 */
function typedFieldSet(config: KubeObject, model: TypeNode, type: ResourceType): FieldSet {
  try {
    return fieldSetOf(config, model, true);
  } catch (err) {
    const gvk = `${type.group}/${type.version}, Kind=${type.kind}`;
    const nn = `${config.metadata.namespace ?? ''}/${config.metadata.name ?? ''}`;
    throw errors.badRequest(`failed to create typed patch object (${gvk}) ${nn}: ${(err as Error).message}`);
  }
}

/** The part of the configuration this request may apply (kube resets the rest). */
function scopedConfig(config: KubeObject, scope: Scope): KubeObject {
  if (scope === 'main') {
    const { status: _ignored, ...rest } = config;
    return rest as KubeObject;
  }
  if (scope === 'status') {
    const identity: KubeObject = { apiVersion: config.apiVersion, kind: config.kind, metadata: {} };
    if (config.metadata.name !== undefined) identity.metadata.name = config.metadata.name;
    if (config.metadata.namespace !== undefined) identity.metadata.namespace = config.metadata.namespace;
    if (isPlainObject(config.status)) identity.status = config.status;
    return identity;
  }
  return config;
}

function emptyLike(object: KubeObject): KubeObject {
  return { apiVersion: object.apiVersion, kind: object.kind, metadata: {} };
}
