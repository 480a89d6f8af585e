import { isPlainObject } from './schema-node.ts';

/**
 * Translates a CRD openAPIV3Schema (OpenAPI 3.0 dialect) into the JSON Schema dialect ajv validates, keeping what
 * the error mapper needs to word messages the way kube-openapi does:
 * - OpenAPI 3.0 `exclusiveMinimum: true` modifies `minimum`; JSON Schema's is a number of its own;
 * - `x-kubernetes-int-or-string` is the type union integer|string; `nullable` adds null to the type;
 * - formats kube-apiserver does not support are ignored (kube strips them), supported ones are renamed to their
 *   normalised name (`date-time` -> `datetime`) and the spelling the CRD used is kept for messages;
 * - `default`, descriptions and the x-kubernetes-* extensions do not validate anything.
 */
export const FORMAT_NAME_KEYWORD = 'x-vmsnap-format-name';

/** Formats kube-apiserver validates (apiextensions-apiserver validation/formats.go), by normalised name. */
export const KUBE_SUPPORTED_FORMATS: ReadonlySet<string> = new Set([
  'bsonobjectid',
  'uri',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'cidr',
  'mac',
  'uuid',
  'uuid3',
  'uuid4',
  'uuid5',
  'isbn',
  'isbn10',
  'isbn13',
  'creditcard',
  'ssn',
  'hexcolor',
  'rgbcolor',
  'byte',
  'password',
  'date',
  'duration',
  'datetime',
]);

const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'] as const;

export function toAjvSchema(node: unknown): Record<string, unknown> {
  if (!isPlainObject(node)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    switch (key) {
      case 'properties':
        if (isPlainObject(value))
          out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toAjvSchema(v)]));
        break;
      case 'items':
      case 'not':
        out[key] = toAjvSchema(value);
        break;
      case 'additionalProperties':
        out.additionalProperties = typeof value === 'boolean' ? value : toAjvSchema(value);
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        if (Array.isArray(value)) out[key] = value.map(toAjvSchema);
        break;
      case 'format':
        addFormat(out, value);
        break;
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
      case 'nullable':
      case 'type':
      case 'default':
      case 'description':
      case 'example':
      case '$schema':
      case 'id':
      case 'title':
      case 'externalDocs':
        break; // handled below or carries no validation
      default:
        if (!key.startsWith('x-kubernetes-')) out[key] = value;
    }
  }
  applyExclusiveBound(out, node, 'minimum', 'exclusiveMinimum');
  applyExclusiveBound(out, node, 'maximum', 'exclusiveMaximum');
  const types = typesOf(node);
  if (types.length > 0)
    out.type = node.nullable === true ? [...types, 'null'] : types.length === 1 ? types[0] : types;
  for (const list of SUBSCHEMA_LISTS)
    if (Array.isArray(out[list]) && (out[list] as unknown[]).length === 0) delete out[list];
  return out;
}

function typesOf(node: Record<string, unknown>): string[] {
  if (node['x-kubernetes-int-or-string'] === true) return ['integer', 'string'];
  return typeof node.type === 'string' && node.type !== '' ? [node.type] : [];
}

function applyExclusiveBound(
  out: Record<string, unknown>,
  node: Record<string, unknown>,
  bound: 'minimum' | 'maximum',
  exclusive: 'exclusiveMinimum' | 'exclusiveMaximum',
): void {
  if (node[exclusive] === true && typeof node[bound] === 'number') {
    out[exclusive] = node[bound];
    delete out[bound];
  }
}

function addFormat(out: Record<string, unknown>, format: unknown): void {
  if (typeof format !== 'string') return;
  // go-openapi's normalisation: "date-time" and "datetime" name the same format.
  const normalised = format.replaceAll('-', '');
  if (!KUBE_SUPPORTED_FORMATS.has(normalised)) return;
  out.format = normalised;
  out[FORMAT_NAME_KEYWORD] = format;
}
