// Strategic merge patch: kubectl's patch format for built-in kinds. kube reads list strategies from Go struct
// tags; here an SmpListInfo supplies them, and the default one knows object metadata's.
import { ApiError, errors } from '../errors.ts';
import { isPlainObject } from './json-merge-patch.ts';

/** How a list field merges: replaced whole, merged by a key field, or merged as a set of primitives. */
export type ListStrategy =
  | { strategy: 'replace' }
  | { strategy: 'merge'; mergeKey: string }
  | { strategy: 'merge-primitive' };

/**
 * Tells the patcher how the list at a field path merges. The path lists field names from the object root
 * (list items add nothing), e.g. `['metadata', 'ownerReferences']`.
 */
export type SmpListInfo = (fieldPath: readonly string[]) => ListStrategy;

/**
 * Object metadata's list strategies, as ObjectMeta's struct tags declare them: ownerReferences merge by `uid`,
 * finalizers merge as a set, every other list (managedFields included) is replaced.
 */
export const objectMetaListInfo: SmpListInfo = (fieldPath) => {
  if (fieldPath.length === 2 && fieldPath[0] === 'metadata') {
    if (fieldPath[1] === 'ownerReferences') return { strategy: 'merge', mergeKey: 'uid' };
    if (fieldPath[1] === 'finalizers') return { strategy: 'merge-primitive' };
  }
  return { strategy: 'replace' };
};

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';
const SET_ELEMENT_ORDER = '$setElementOrder/';

/**
 * Applies a strategic merge patch to a copy of `target`. Maps merge, `null` deletes, lists replace unless
 * `listInfo` says otherwise. Directives: `$patch: replace|delete|merge` (on maps and in merge lists),
 * `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`, `$retainKeys`. Pure.
 * Malformed directives are 400 BadRequest (kube's mergepatch format errors); a patch whose keys are not in its
 * own `$retainKeys` is 422, as in kube.
 */
export function strategicMergePatch(
  target: unknown,
  patch: unknown,
  listInfo: SmpListInfo = objectMetaListInfo,
): Record<string, unknown> {
  if (!isPlainObject(patch)) throw errors.badRequest('invalid JSON document');
  const original = isPlainObject(target) ? target : {};
  return mergeMap(original, patch, [], listInfo) ?? {};
}

/** Returns undefined when the patch deletes the map (`$patch: delete`). */
function mergeMap(
  original: Record<string, unknown>,
  patch: Record<string, unknown>,
  path: readonly string[],
  listInfo: SmpListInfo,
): Record<string, unknown> | undefined {
  const directive = patch[PATCH];
  if (directive !== undefined) {
    if (directive === 'delete') return undefined;
    if (directive === 'replace') return stripDirectives(patch) as Record<string, unknown>;
    if (directive !== 'merge') throw badPatchType(directive);
  }
  const result: Record<string, unknown> = structuredClone(original);
  const retainKeys = readRetainKeys(patch);

  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      deleteFromPrimitiveList(result, key.slice(DELETE_FROM_PRIMITIVE_LIST.length), value);
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key === PATCH || key === RETAIN_KEYS || key.startsWith('$')) continue;
    const fieldPath = [...path, key];
    if (value === null) {
      delete result[key];
    } else if (isPlainObject(value)) {
      const merged = mergeMap(isPlainObject(result[key]) ? result[key] : {}, value, fieldPath, listInfo);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else if (Array.isArray(value)) {
      result[key] = mergeList(result[key], value, fieldPath, listInfo);
    } else {
      result[key] = value;
    }
  }
  for (const field of mergeListFields(patch)) {
    const info = listInfo([...path, field]);
    if (info.strategy !== 'replace') orderMergedList(result, field, patch, original[field], info);
  }
  if (retainKeys) {
    for (const key of Object.keys(result)) {
      if (!retainKeys.has(key)) delete result[key];
    }
  }
  return result;
}

function mergeList(
  original: unknown,
  patch: unknown[],
  fieldPath: readonly string[],
  listInfo: SmpListInfo,
): unknown[] {
  const current = Array.isArray(original) ? original : [];
  const info = listInfo(fieldPath);
  if (info.strategy === 'replace') return stripDirectives(patch) as unknown[];
  if (info.strategy === 'merge-primitive') {
    const result = structuredClone(current);
    for (const item of patch) {
      if (isPlainObject(item) || Array.isArray(item)) {
        throw errors.badRequest(`invalid patch format of primitive list at ${fieldPath.join('.')}`);
      }
      if (!result.some((existing) => existing === item)) result.push(item);
    }
    return result;
  }
  return mergeKeyedList(current, patch, fieldPath, info.mergeKey, listInfo);
}

function mergeKeyedList(
  current: unknown[],
  patch: unknown[],
  fieldPath: readonly string[],
  mergeKey: string,
  listInfo: SmpListInfo,
): unknown[] {
  if (patch.some((item) => isPlainObject(item) && item[PATCH] === 'replace')) {
    return stripDirectives(
      patch.filter((item) => !(isPlainObject(item) && item[PATCH] === 'replace')),
    ) as unknown[];
  }
  let result = structuredClone(current);
  for (const item of patch) {
    if (!isPlainObject(item)) {
      throw errors.badRequest(
        `${fieldPath.join('.')}: list items must be objects with merge key "${mergeKey}"`,
      );
    }
    if (!(mergeKey in item)) {
      throw errors.badRequest(
        `map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`,
      );
    }
    const key = item[mergeKey];
    const index = result.findIndex((existing) => isPlainObject(existing) && existing[mergeKey] === key);
    if (item[PATCH] === 'delete') {
      result = result.filter((existing) => !(isPlainObject(existing) && existing[mergeKey] === key));
      continue;
    }
    const existing = result[index];
    const merged = mergeMap(isPlainObject(existing) ? existing : {}, item, fieldPath, listInfo);
    if (index < 0) {
      if (merged !== undefined) result.push(merged);
    } else if (merged === undefined) {
      result.splice(index, 1);
    } else {
      result[index] = merged;
    }
  }
  return result;
}

function deleteFromPrimitiveList(result: Record<string, unknown>, field: string, values: unknown): void {
  if (!Array.isArray(values)) throw errors.badRequest('invalid patch format of primitive list');
  const current = result[field];
  if (!Array.isArray(current)) return;
  result[field] = current.filter((item) => !values.includes(item));
}

/** List fields of this patch level whose merged order kube normalizes: patched lists and `$setElementOrder`s. */
function mergeListFields(patch: Record<string, unknown>): Set<string> {
  const fields = new Set<string>();
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(SET_ELEMENT_ORDER)) fields.add(key.slice(SET_ELEMENT_ORDER.length));
    else if (!key.startsWith('$') && Array.isArray(value)) fields.add(key);
  }
  return fields;
}

/**
 * kube's normalizeElementOrder: items the patch names (by `$setElementOrder`, else by the patch list) come in
 * the patch's order; items only the server has keep their server order and are interleaved where the server
 * had them relative to the patched items. (Without `$setElementOrder`, new items therefore land first.)
 */
function orderMergedList(
  result: Record<string, unknown>,
  field: string,
  patch: Record<string, unknown>,
  serverList: unknown,
  info: Exclude<ListStrategy, { strategy: 'replace' }>,
): void {
  const merged = result[field];
  if (!Array.isArray(merged)) return;
  const explicit = patch[`${SET_ELEMENT_ORDER}${field}`];
  if (explicit !== undefined && !Array.isArray(explicit)) {
    throw errors.badRequest('invalid patch format of setElementOrder list');
  }
  const patchList = patch[field];
  const order = (explicit ?? (Array.isArray(patchList) ? patchList : [])) as unknown[];
  const serverOrder = Array.isArray(serverList) ? serverList : [];
  const identity = (item: unknown): unknown =>
    info.strategy === 'merge' && isPlainObject(item) ? item[info.mergeKey] : item;
  const indexIn = (list: readonly unknown[], item: unknown) => {
    const id = identity(item);
    return list.findIndex((candidate) => !isDirective(candidate) && identity(candidate) === id);
  };
  const byIndexIn = (list: readonly unknown[]) => (a: unknown, b: unknown) =>
    indexIn(list, a) - indexIn(list, b);
  const patched = merged.filter((item) => indexIn(order, item) >= 0).sort(byIndexIn(order));
  const serverOnly = merged.filter((item) => indexIn(order, item) < 0).sort(byIndexIn(serverOrder));

  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patched.length) {
    if (j >= patched.length) out.push(serverOnly[i++]);
    else if (i >= serverOnly.length) out.push(patched[j++]);
    else {
      const left = indexIn(serverOrder, serverOnly[i]);
      const right = indexIn(serverOrder, patched[j]);
      out.push(left >= 0 && right >= 0 && left < right ? serverOnly[i++] : patched[j++]);
    }
  }
  result[field] = out;
}

function isDirective(item: unknown): boolean {
  return isPlainObject(item) && item[PATCH] !== undefined;
}

function readRetainKeys(patch: Record<string, unknown>): Set<string> | undefined {
  const retain = patch[RETAIN_KEYS];
  if (retain === undefined) return undefined;
  if (!Array.isArray(retain) || !retain.every((key) => typeof key === 'string')) {
    throw errors.badRequest('invalid patch format of retainKeys');
  }
  const keys = new Set(retain as string[]);
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$') || value === null) continue;
    if (!keys.has(key)) {
      throw new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
        causes: [
          {
            reason: 'UnexpectedServerResponse',
            message: `patch content doesn't match retainKeys list: ${key} is not in ${JSON.stringify(retain)}`,
          },
        ],
      });
    }
  }
  return keys;
}

/** Removes `$`-directives from a value used as a whole (a replacement), at every depth. */
function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith('$')) continue;
    out[key] = stripDirectives(child);
  }
  return out;
}

function badPatchType(directive: unknown): ApiError {
  return errors.badRequest(
    `invalid patch type ${JSON.stringify(directive)}: expected replace, delete or merge`,
  );
}
