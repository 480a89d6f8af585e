// Limits on the shape of decoded request bodies, checked once right after decoding so that no later code path
// (structuredClone, JSON.stringify, the recursive patch, pruning and validation walks) ever sees a document it
// cannot handle.

/**
 * The deepest nesting of objects and arrays a request body (and a patched object) may have; the root object is
 * depth 1. kube's decoders allow 10,000, but in this server V8's structuredClone and the recursive patch, field
 * tracking and pruning walks overflow the default stack near 1,500 levels, and compiling a CRD schema takes
 * seconds (blocking every request) once it nests a few hundred properties. 512 keeps a 3x margin under the
 * first and about a second for the second, and is far beyond any real manifest (the deepest CRD schemas nest well
 * under 100 levels). See docs/architecture.md, "Differences from kube".
 */
export const MAX_NESTING_DEPTH = 512;

/**
 * `metadata.managedFields` mirrors the object's fields a few levels deeper (`fieldsV1` sits four levels down and
 * adds a `.` entry per leaf), so it gets this allowance: every object within the limit can be sent back exactly
 * as it was read (GET, edit, PUT).
 */
export const MANAGED_FIELDS_EXTRA_DEPTH = 8;

/**
 * The depth limit handed to js-yaml's parser. It counts levels its own way (a document and flow mappings add
 * some), so it gets slack and only bounds the parser; exceededJsonLimit enforces MAX_NESTING_DEPTH exactly.
 */
export const YAML_PARSER_MAX_DEPTH = MAX_NESTING_DEPTH + 16;

/**
 * How many JSON values (containers and scalars) a decoded YAML document may expand to, counting every alias
 * expansion as a copy. An object that passes the stored-size cap (1.5 MiB of JSON, at least ~2 bytes per value)
 * has fewer values than this, so the budget only refuses alias bombs, and it refuses them after at most this much
 * work instead of expanding them.
 */
export const MAX_EXPANDED_VALUES = 1_000_000;

export interface JsonLimits {
  maxDepth: number;
  /** Infinity when the decoder cannot share values (JSON.parse builds a tree). */
  maxValues: number;
}

export type JsonLimitExceeded = 'depth' | 'values';

/**
 * Walks `value` as the tree it serializes to (a value reached twice through YAML aliases is counted twice) and
 * reports the first limit it exceeds (`metadata.managedFields` of the root gets MANAGED_FIELDS_EXTRA_DEPTH more
 * depth). Iterative, so it cannot overflow the stack itself, and it stops as soon as a limit is passed, so its
 * cost is bounded by the limits rather than by the expanded size.
 */
export function exceededJsonLimit(value: unknown, limits: JsonLimits): JsonLimitExceeded | undefined {
  const rootMetadata = isObject(value) ? value.metadata : undefined;
  // Parallel stacks: no allocation per value.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  const maxDepths: number[] = [limits.maxDepth];
  let budget = limits.maxValues;
  while (values.length > 0) {
    const current = values.pop();
    const depth = (depths.pop() ?? 0) + 1;
    const maxDepth = maxDepths.pop() ?? limits.maxDepth;
    budget -= 1;
    if (budget < 0) return 'values';
    if (current === null || typeof current !== 'object') continue;
    if (depth > maxDepth) return 'depth';
    if (depth === 2 && current === rootMetadata) {
      for (const [key, child] of Object.entries(current)) {
        values.push(child);
        depths.push(depth);
        maxDepths.push(key === 'managedFields' ? maxDepth + MANAGED_FIELDS_EXTRA_DEPTH : maxDepth);
      }
      continue;
    }
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      values.push(child);
      depths.push(depth);
      maxDepths.push(maxDepth);
    }
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
