// Path elements in structured-merge-diff's FieldsV1 spelling: `f:<field>`, `k:<json of key fields>`,
// `v:<json value>`, `i:<index>`. Field sets and value walks use these strings directly as map keys.

/** One step of a field path, serialized as in FieldsV1 (e.g. `f:spec`, `k:{"type":"Ready"}`, `v:"a"`). */
export type PathElement = string;
export type FieldPath = readonly PathElement[];

export const fieldElement = (name: string): PathElement => `f:${name}`;
export const keyElement = (keyFields: Record<string, unknown>): PathElement =>
  `k:${canonicalJson(keyFields)}`;
export const valueElement = (value: unknown): PathElement => `v:${canonicalJson(value)}`;
export const indexElement = (index: number): PathElement => `i:${index}`;

/** JSON with object keys sorted, so equal values always serialize the same (SMD sorts key fields by name). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * A path as Kubernetes prints it in apply conflicts (fieldpath.Path.String()): `.spec.memory`,
 * `.status.conditions[type="Ready"]`, `.metadata.finalizers[="a"]`, `.spec.items[0]`.
 */
export function pathToString(path: FieldPath): string {
  return path.map(elementToString).join('');
}

function elementToString(element: PathElement): string {
  const body = element.slice(2);
  switch (element.slice(0, 2)) {
    case 'f:':
      return `.${body}`;
    case 'k:': {
      const fields = JSON.parse(body) as Record<string, unknown>;
      return `[${Object.entries(fields)
        .map(([name, value]) => `${name}=${goValueString(value)}`)
        .join(',')}]`;
    }
    case 'v:':
      return `[=${goValueString(JSON.parse(body))}]`;
    case 'i:':
      return `[${body}]`;
    default:
      return '{{invalid path element}}';
  }
}

// value.ToString in structured-merge-diff: strings quoted, everything else as JSON.
function goValueString(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : canonicalJson(value);
}
