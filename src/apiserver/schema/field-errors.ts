import type { StatusCause } from '../errors.ts';

/**
 * Kubernetes' field.Error constructors (k8s.io/apimachinery/pkg/util/validation/field, v0.32), producing the
 * StatusCause that kube-apiserver puts into `details.causes`: `message` is field.Error.ErrorBody(), `field` the path.
 * Users see these strings verbatim in kubectl output, so the wording and value rendering follow Go exactly.
 */

/** A value as Go's `%v`/`%q` would print it inside an error body. */
export function formatBadValue(value: unknown): string {
  if (value === null || value === undefined) return '"null"';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return formatGoNumber(value);
  if (typeof value === 'boolean') return String(value);
  // kube 1.32 prints composite values with %#v (Go syntax); newer releases print JSON. JSON is the readable,
  // forward-compatible choice.
  return JSON.stringify(value);
}

/**
 * Go's `%v` for a JSON number: integral values decode to int64 and print plainly; others are float64 printed
 * in shortest form with an exponent outside [1e-4, 1e21), and Go pads exponents to two digits.
 */
export function formatGoNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}

const GO_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

/** strconv.Quote: Go escapes control characters as \xNN where JSON would write \u00NN. */
export function goQuote(s: string): string {
  let out = '"';
  for (const c of s) {
    const code = c.charCodeAt(0);
    const escaped = GO_ESCAPES[c];
    if (escaped) out += escaped;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return `${out}"`;
}

function cause(reason: string, field: string, body: string, detail?: string): StatusCause {
  return { reason, field, message: detail ? `${body}: ${detail}` : body };
}

export const fieldError = {
  invalid: (field: string, value: unknown, detail: string) =>
    cause('FieldValueInvalid', field, `Invalid value: ${formatBadValue(value)}`, detail),
  typeInvalid: (field: string, value: unknown, detail: string) =>
    cause('FieldValueTypeInvalid', field, `Invalid value: ${formatBadValue(value)}`, detail),
  required: (field: string, detail = '') => cause('FieldValueRequired', field, 'Required value', detail),
  forbidden: (field: string, detail: string) => cause('FieldValueForbidden', field, 'Forbidden', detail),
  duplicate: (field: string, value: unknown) =>
    cause('FieldValueDuplicate', field, `Duplicate value: ${formatBadValue(value)}`),
  notSupported: (field: string, value: unknown, supported: readonly string[]) =>
    cause(
      'FieldValueNotSupported',
      field,
      `Unsupported value: ${formatBadValue(value)}`,
      supported.length > 0 ? `supported values: ${supported.map(goQuote).join(', ')}` : '',
    ),
  /** The value itself is never echoed (it may be huge). */
  tooLong: (field: string, maxLength: number) =>
    cause(
      'FieldValueTooLong',
      field,
      'Too long',
      maxLength >= 0 ? `may not be more than ${maxLength} bytes` : 'value is too long',
    ),
  tooMany: (field: string, actual: number, max: number) =>
    cause(
      'FieldValueTooMany',
      field,
      actual >= 0 ? `Too many: ${actual}` : 'Too many',
      max >= 0 ? `must have at most ${max} items` : 'has too many items',
    ),
  internal: (field: string, detail: string) => cause('InternalError', field, 'Internal error', detail),
};

/** field.Path.Child: `spec` + `replicas` -> `spec.replicas`; the root path is ''. */
export function childPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

/** field.Path.Index: `spec.items` + 0 -> `spec.items[0]`. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** field.Path.Key (map entries, schema properties in CRD errors): `properties` + `spec` -> `properties[spec]`. */
export function keyPath(parent: string, key: string): string {
  return `${parent}[${key}]`;
}
