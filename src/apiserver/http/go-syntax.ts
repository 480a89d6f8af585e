// kube quotes an invalid value in `Invalid value: ...` with Go's %#v; for a decoded JSON value (kube's
// unstructured form: map[string]interface{}, []interface{}, int64/float64, string, bool, nil) that reads as below.

/** A decoded JSON value printed as Go's %#v prints its unstructured form (map keys sorted, as fmt does). */
export function goSyntax(value: unknown): string {
  if (value === null || value === undefined) return 'interface {}(nil)';
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSyntax).join(', ')}}`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `map[string]interface {}{${entries.map(([key, item]) => `${JSON.stringify(key)}:${goSyntax(item)}`).join(', ')}}`;
  }
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
