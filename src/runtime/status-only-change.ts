import { jsonEqual } from './merge-patch.ts';

/**
 * Whether `next` differs from `previous` only in what a status write changes: `status`, and the resourceVersion
 * and managedFields every write bumps. Spec (generation), labels, annotations, finalizers and deletionTimestamp
 * are all outside, so a change of any of them is not status-only.
 */
export function onlyStatusChanged(previous: unknown, next: unknown): boolean {
  return jsonEqual(withoutStatus(previous), withoutStatus(next));
}

function withoutStatus(obj: unknown): unknown {
  if (typeof obj !== 'object' || obj === null) return obj;
  const { status: _status, metadata, ...rest } = obj as { status?: unknown; metadata?: unknown };
  if (typeof metadata !== 'object' || metadata === null) return rest;
  const {
    resourceVersion: _resourceVersion,
    managedFields: _managedFields,
    ...meta
  } = metadata as Record<string, unknown>;
  return { ...rest, metadata: meta };
}
