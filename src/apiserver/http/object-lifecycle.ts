import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../errors.ts';
import type { KubeObject, ResourceType } from '../types.ts';

/** RFC 3339 with second precision, as kube stores metav1.Time. */
export function timestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** The parts of an object whose change bumps metadata.generation: everything but metadata (and status when it is a subresource). */
function generationRelevant(object: KubeObject, type: ResourceType): Record<string, unknown> {
  const { metadata: _metadata, status, ...rest } = object;
  return type.hasStatus ? rest : { ...rest, status };
}

/** JSON equality: a field set to undefined equals an absent one, as on the wire. */
function jsonEqual(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a) ?? 'null'), JSON.parse(JSON.stringify(b) ?? 'null'));
}

export function specChanged(old: KubeObject, updated: KubeObject, type: ResourceType): boolean {
  return !jsonEqual(generationRelevant(old, type), generationRelevant(updated, type));
}

/** Equal apart from resourceVersion: such an update is a no-op and is not written (no new resourceVersion, no event). */
export function sameObject(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return jsonEqual(strip(a), strip(b));
}

/**
 * Carries the fields clients may not change over from the stored object (kube's rest.BeforeUpdate): uid,
 * creationTimestamp, deletion fields and generation. A different uid in the body is a 422, as in kube (the
 * schema module's validateObjectMetaUpdate checks the rest, e.g. no new finalizers once deletion started).
 */
export function carryOverSystemMetadata(updated: KubeObject, old: KubeObject): StatusCause[] {
  const meta = updated.metadata;
  const oldMeta = old.metadata;
  const causes: StatusCause[] = [];
  if (meta.uid && meta.uid !== oldMeta.uid)
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'metadata.uid',
      message: `Invalid value: "${meta.uid}": field is immutable`,
    });
  meta.uid = oldMeta.uid;
  meta.creationTimestamp = oldMeta.creationTimestamp;
  meta.generation = oldMeta.generation;
  setOrDelete(meta, 'deletionTimestamp', oldMeta.deletionTimestamp);
  setOrDelete(meta, 'deletionGracePeriodSeconds', oldMeta.deletionGracePeriodSeconds);
  return causes;
}

function setOrDelete<K extends keyof KubeObject['metadata']>(
  meta: KubeObject['metadata'],
  field: K,
  value: KubeObject['metadata'][K] | undefined,
): void {
  if (value === undefined) delete meta[field];
  else meta[field] = value;
}

/**
 * The status subresource splits an object in two: writes to /status change only status (kube keeps the stored
 * metadata except managedFields); writes to the main resource keep the stored status.
 */
export function applySubresourceScope(
  updated: KubeObject,
  old: KubeObject,
  type: ResourceType,
  subresource: string | undefined,
): KubeObject {
  if (subresource === 'status') {
    const result = clone(old);
    if (updated.status === undefined) delete result.status;
    else result.status = updated.status;
    if (updated.metadata.managedFields) result.metadata.managedFields = updated.metadata.managedFields;
    else delete result.metadata.managedFields;
    return result;
  }
  if (type.hasStatus) {
    if (old.status === undefined) delete updated.status;
    else updated.status = clone(old.status);
  }
  return updated;
}

/** Every finalizer holding the object: metadata.finalizers plus kind-specific ones (Namespace spec.finalizers). */
export function pendingFinalizers(
  object: KubeObject,
  extra: ((o: KubeObject) => string[]) | undefined,
): string[] {
  return [...(object.metadata.finalizers ?? []), ...(extra?.(object) ?? [])];
}

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** kube's generateName suffix: 5 characters from an alphabet without vowels (no accidental words). */
export function randomNameSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 5; i++)
    suffix += NAME_SUFFIX_ALPHABET[Math.floor(Math.random() * NAME_SUFFIX_ALPHABET.length)];
  return suffix;
}
