// RFC 7386 JSON Merge Patch: what `kubectl patch --type merge`, client-side apply on custom resources and
// client-node's PatchStrategy.MergePatch send.

/**
 * Applies an RFC 7386 merge patch. Objects merge key by key, `null` deletes a key, everything else (arrays
 * included) replaces. Pure: neither input is mutated and the result shares no structure with `target`'s
 * replaced parts (patch values are deep-copied).
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = mergePatch(result[key], value);
    }
  }
  return result;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
