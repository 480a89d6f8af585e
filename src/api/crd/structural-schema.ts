// Turns zod's JSON Schema output into a Kubernetes structural schema (apiextensions.k8s.io/v1
// openAPIV3Schema). The API server refuses CRDs whose schemas are not structural, so anything this cannot
// express is an error at generation time, never a CRD that fails to apply.
import { z } from 'zod';

export type SchemaNode = { [key: string]: unknown };

/** JSONSchemaProps fields Kubernetes accepts; everything zod emits must map onto these. */
const ALLOWED_KEYS = new Set([
  'type',
  'description',
  'format',
  'default',
  'enum',
  'nullable',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'multipleOf',
  'maxProperties',
  'minProperties',
  'required',
  'items',
  'properties',
  'additionalProperties',
  'example',
]);

/** JSON Schema produced from a zod schema the way every vmsnap CRD needs it (input side: defaults optional). */
export function zodToOpenApi(schema: z.ZodType): SchemaNode {
  return z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    reused: 'inline',
    unrepresentable: 'throw',
  }) as SchemaNode;
}

/**
 * Rewrites a JSON Schema into structural form: every node typed, no `$schema`/`$ref`/`const`, no
 * `additionalProperties: false` (Kubernetes prunes unknown fields instead), maps as `additionalProperties`,
 * `x-kubernetes-*` extensions kept. Throws naming the schema path of anything Kubernetes would refuse.
 */
export function toStructuralSchema(node: SchemaNode, path = ''): SchemaNode {
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema') continue;
    if (key.startsWith('x-kubernetes-')) {
      out[key] = value;
      continue;
    }
    if (key === 'const') {
      out.enum = [value];
      continue;
    }
    if (!ALLOWED_KEYS.has(key))
      throw new Error(`${path || '<root>'}: "${key}" is not allowed in a structural schema`);
    out[key] = convertKeyword(key, value, path);
  }
  if (out.additionalProperties === undefined) delete out.additionalProperties;
  dropSafeIntegerBounds(out);
  // zod spells RFC 3339 out as a long regex as well; the API server checks `format: date-time` itself.
  if (out.format === 'date-time') delete out.pattern;
  if (typeof out.type !== 'string' && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    throw new Error(`${path || '<root>'}: every node of a structural schema needs a single "type"`);
  }
  if (out.properties !== undefined && out.additionalProperties !== undefined) {
    throw new Error(`${path || '<root>'}: properties and additionalProperties exclude each other`);
  }
  return withTypeAndDescriptionFirst(out);
}

/** `type` and `description` lead each node, so the YAML reads like a hand-written CRD. */
function withTypeAndDescriptionFirst(node: SchemaNode): SchemaNode {
  const { type, description, ...rest } = node;
  return {
    ...(type === undefined ? {} : { type }),
    ...(description === undefined ? {} : { description }),
    ...rest,
  };
}

function convertKeyword(key: string, value: unknown, path: string): unknown {
  switch (key) {
    case 'properties': {
      const properties: SchemaNode = {};
      for (const [name, child] of Object.entries(value as Record<string, SchemaNode>)) {
        properties[name] = toStructuralSchema(child, `${path}.${name}`);
      }
      return properties;
    }
    case 'items':
      if (Array.isArray(value)) throw new Error(`${path}: tuples are not structural; use a list of one type`);
      return toStructuralSchema(value as SchemaNode, `${path}[]`);
    case 'additionalProperties':
      // `false` is zod's strict object: Kubernetes forbids it and prunes unknown fields anyway.
      return value === false ? undefined : toStructuralSchema(value as SchemaNode, `${path}{}`);
    default:
      return value;
  }
}

/** z.int() writes ±2^53-1 bounds; they say nothing a reader needs, and int64 fields allow more. */
function dropSafeIntegerBounds(node: SchemaNode): void {
  if (node.maximum === Number.MAX_SAFE_INTEGER) delete node.maximum;
  if (node.minimum === Number.MIN_SAFE_INTEGER) delete node.minimum;
}
