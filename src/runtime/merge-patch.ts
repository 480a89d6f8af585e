type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The RFC 7386 merge patch that turns `from` into `to`: changed and new keys carry their new value, removed keys
 * carry null, objects recurse, anything else (arrays included) is replaced whole. Undefined values count as
 * absent, as they do once serialized. Returns undefined when there is nothing to change.
 * Limitation of the format itself: a null value inside `to` cannot be expressed (it means "remove").
 */
export function createMergePatch(from: unknown, to: unknown): Json | undefined {
  const a = normalize(from);
  const b = normalize(to);
  if (!isObject(a) || !isObject(b)) return jsonEqual(a, b) ? undefined : (b ?? null);
  const patch: { [key: string]: Json } = {};
  for (const key of Object.keys(a)) {
    if (!(key in b)) patch[key] = null;
  }
  for (const [key, value] of Object.entries(b)) {
    if (!(key in a)) {
      patch[key] = value;
      continue;
    }
    const child = createMergePatch(a[key], value);
    if (child !== undefined) patch[key] = child;
  }
  return Object.keys(patch).length === 0 ? undefined : patch;
}

/** Equality of two values as JSON: key order and undefined-valued keys do not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return canonical(normalize(a)) === canonical(normalize(b));
}

function normalize(value: unknown): Json | undefined {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as Json);
}

function canonical(value: Json | undefined): string {
  if (!isObject(value)) {
    return Array.isArray(value) ? `[${value.map(canonical).join(',')}]` : JSON.stringify(value ?? null);
  }
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
