// managedFields for non-apply writes (create, update, merge/JSON/strategic patches): kube's Update operation.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject, ManagedFieldsEntry, ResourceType } from '../../types.ts';
import { apiVersionOf } from '../../types.ts';
import {
  capUpdateManagers,
  decodeManagers,
  encodeManagers,
  keepTimestampsOnNoop,
  type Managers,
  managerKey,
  scopeOf,
  scopeSet,
  stripServerFields,
  withoutManagedFields,
} from './managers.ts';
import { typeModelOf } from './type-model.ts';
import { compare } from './walks.ts';

/**
 * Returns `updated` with `metadata.managedFields` recording a non-apply write by `manager` (operation
 * `Update`); `old` is undefined for a create. Pure.
 *
 * - The writer takes ownership of every field it added or changed, away from other managers; fields it
 *   removed leave every manager's set. A write that changes nothing leaves managedFields untouched.
 * - Like kube: managedFields sent in `updated` (when they differ from `old`'s and this is not a subresource
 *   write) replace the old ones before tracking; a single empty entry (`[{}]`) clears managedFields;
 *   an empty or missing list keeps the old ones (clients unaware of the field do not wipe it).
 * - `type` supplies the list semantics and the status-subresource split (main writes do not own status,
 *   status writes own only status).
 */
export function trackUpdate(
  old: KubeObject | undefined,
  updated: KubeObject,
  manager: string,
  type: ResourceType,
  subresource: string | undefined,
  now: string,
): KubeObject {
  const sent = updated.metadata?.managedFields;
  if (isResetRequest(sent)) {
    const cleared = withoutManagedFields(updated);
    return cleared;
  }
  const managers = baseManagers(old, sent, subresource);
  const model = typeModelOf(type);
  const scope = scopeOf(type.hasStatus, subresource);
  const before = old
    ? withoutManagedFields(old)
    : { apiVersion: updated.apiVersion, kind: updated.kind, metadata: {} };
  const changes = compare(before, withoutManagedFields(updated), model);
  const changed = stripServerFields(scopeSet(changes.modified.union(changes.added), scope));
  const removed = scopeSet(changes.removed, scope);

  for (const [key, entry] of managers) {
    entry.set = entry.set.difference(changed).difference(removed);
    if (entry.set.isEmpty()) managers.delete(key);
  }
  if (!changed.isEmpty()) {
    const apiVersion = apiVersionOf(type);
    const key = managerKey(manager, 'Update', apiVersion, subresource);
    const previous = managers.get(key)?.set;
    managers.set(key, {
      manager,
      operation: 'Update',
      apiVersion,
      time: now,
      set: previous ? previous.union(changed) : changed,
      ...(subresource ? { subresource } : {}),
    });
  }

  const result: KubeObject = { ...updated, metadata: { ...updated.metadata } };
  capUpdateManagers(managers);
  const entries = encodeManagers(managers);
  if (entries.length > 0) result.metadata.managedFields = entries;
  else delete result.metadata.managedFields;
  return keepTimestampsOnNoop(old, result);
}

function baseManagers(
  old: KubeObject | undefined,
  sent: ManagedFieldsEntry[] | undefined,
  subresource: string | undefined,
): Managers {
  const previous = old?.metadata.managedFields;
  if (!subresource && sent && sent.length > 0 && !isDeepStrictEqual(sent, previous)) {
    const decoded = decodeManagers(sent);
    if (decoded.size > 0) return decoded;
  }
  return decodeManagers(previous);
}

function isResetRequest(sent: ManagedFieldsEntry[] | undefined): boolean {
  return Array.isArray(sent) && sent.length === 1 && isDeepStrictEqual(sent[0], {});
}
