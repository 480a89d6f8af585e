import type { JsonObject } from '../types.ts';
import { type CrdView, storageVersion } from './crd-types.ts';

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

/**
 * The status kube-apiserver's CRD controllers converge to. Accepted (no `nameConflict`): NamesAccepted and
 * Established True, acceptedNames equal to spec.names (with defaults). Conflicting: both False and no
 * acceptedNames. storedVersions grows by the storage version and never shrinks (objects may still be stored in
 * an older one). lastTransitionTime only moves when a condition's status flips.
 */
export function desiredCrdStatus(
  crd: CrdView,
  current: JsonObject | undefined,
  now: string,
  nameConflict?: string,
): JsonObject {
  const previous = (current?.conditions as Condition[] | undefined) ?? [];
  const condition = (
    type: string,
    status: Condition['status'],
    reason: string,
    message: string,
  ): Condition => {
    const old = previous.find((c) => c.type === type);
    return {
      type,
      status,
      reason,
      message,
      lastTransitionTime: old?.status === status ? old.lastTransitionTime : now,
    };
  };
  const stored = new Set((current?.storedVersions as string[] | undefined) ?? []);
  const storage = storageVersion(crd);
  if (storage) stored.add(storage);

  if (nameConflict !== undefined) {
    return {
      conditions: [
        condition('NamesAccepted', 'False', 'NameConflict', nameConflict),
        condition('Established', 'False', 'NotAccepted', 'not all names are accepted'),
      ],
      acceptedNames: { plural: '', kind: '' },
      storedVersions: [...stored],
    };
  }
  const names = crd.names;
  return {
    conditions: [
      condition('NamesAccepted', 'True', 'NoConflicts', 'no conflicts found'),
      condition('Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
    acceptedNames: {
      plural: names.plural,
      singular: names.singular,
      kind: names.kind,
      listKind: names.listKind,
      ...(names.shortNames.length > 0 ? { shortNames: names.shortNames } : {}),
      ...(names.categories.length > 0 ? { categories: names.categories } : {}),
    },
    storedVersions: [...stored],
  };
}
