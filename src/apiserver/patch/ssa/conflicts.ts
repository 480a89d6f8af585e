// The 409 kube-apiserver answers when an apply would change fields other managers own.

import type { StatusCause } from '../../errors.ts';
import { ApiError } from '../../errors.ts';
import type { FieldSet } from './field-set.ts';
import type { Manager } from './managers.ts';
import { pathToString } from './path-element.ts';

export interface ManagerConflict {
  manager: Manager;
  fields: FieldSet;
}

/**
 * kube's NewConflictError: one conflict reads `Apply failed with 1 conflict: conflict with "m" using v1: .spec.x`;
 * several are grouped by manager, one path per line. Each conflict is a `FieldManagerConflict` cause whose
 * field is the path (`.spec.x`).
 */
export function applyConflictError(conflicts: readonly ManagerConflict[]): ApiError {
  // Byte order, as Go's sort.Strings over the managers' identities.
  const sorted = [...conflicts].sort((a, b) => {
    const [left, right] = [describe(a.manager), describe(b.manager)];
    return left < right ? -1 : left > right ? 1 : 0;
  });
  const causes: StatusCause[] = [];
  const lines: string[] = [];
  for (const { manager, fields } of sorted) {
    const who = describe(manager);
    lines.push(`conflicts with ${who}:`);
    for (const path of fields.paths()) {
      const field = pathToString(path);
      causes.push({ reason: 'FieldManagerConflict', message: `conflict with ${who}`, field });
      lines.push(`- ${field}`);
    }
  }
  const message =
    causes.length === 1
      ? `Apply failed with 1 conflict: ${causes[0]!.message}: ${causes[0]!.field}`
      : `Apply failed with ${causes.length} conflicts: ${lines.join('\n')}`;
  return new ApiError(409, 'Conflict', message, { causes });
}

// kube's printManager: Update managers name their apiVersion; the identity carries no time.
function describe(manager: Manager): string {
  let text = JSON.stringify(manager.manager);
  if (manager.subresource) text += ` with subresource ${JSON.stringify(manager.subresource)}`;
  if (manager.operation === 'Update') text += ` using ${manager.apiVersion}`;
  return text;
}
