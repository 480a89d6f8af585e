import {
  additionalPropertiesOf,
  isPlainObject,
  itemsOf,
  propertyOf,
  type SchemaNode,
} from '../schema-node.ts';

/**
 * Converts a JSON value into the value CEL sees. cel-js represents CEL `int` as bigint and `double` as number,
 * so integers become bigints unless the schema declares a `number` (kube decodes integral JSON numbers into
 * int64 too, which is why unknown/int-or-string integers are ints).
 */
export function toCelValue(value: unknown, schema: SchemaNode | undefined): unknown {
  if (typeof value === 'number') {
    if (schema?.type === 'number' || !Number.isInteger(value)) return value;
    return BigInt(value);
  }
  if (Array.isArray(value)) {
    const items = schema ? itemsOf(schema) : undefined;
    return value.map((item) => toCelValue(item, items));
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, fieldValue] of Object.entries(value)) {
      const fieldSchema = schema
        ? (propertyOf(schema, key) ?? additionalPropertiesOf(schema)?.schema)
        : undefined;
      out[key] = toCelValue(fieldValue, fieldSchema);
    }
    return out;
  }
  return value;
}
