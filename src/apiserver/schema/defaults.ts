import {
  additionalPropertiesOf,
  cloneJson,
  isPlainObject,
  itemsOf,
  propertiesOf,
  propertyOf,
  type SchemaNode,
} from './schema-node.ts';

/**
 * Schema defaulting as kube-apiserver does it (apiextensions-apiserver schema/defaulting), in place, after pruning:
 * - a declared property that is absent, or null while the schema is not nullable, gets a deep copy of its
 *   `default`; the copy is then defaulted itself, so defaults nest;
 * - only objects that exist are descended into: no parent object is created just to default its children;
 * - array items and map values that are non-nullable nulls get the item/value schema's default.
 */
export function applyDefaults(value: unknown, schema: SchemaNode | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = itemsOf(schema);
    if (!items) return;
    for (let i = 0; i < value.length; i++) {
      if (isNonNullableNull(value[i], items) && items.default !== undefined)
        value[i] = cloneJson(items.default);
      applyDefaults(value[i], items);
    }
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, property] of Object.entries(propertiesOf(schema) ?? {})) {
    if (!isPlainObject(property) || property.default === undefined) continue;
    if (!Object.hasOwn(value, key) || isNonNullableNull(value[key], property))
      value[key] = cloneJson(property.default);
  }
  const additional = additionalPropertiesOf(schema);
  for (const key of Object.keys(value)) {
    const property = propertyOf(schema, key);
    if (property) {
      applyDefaults(value[key], property);
    } else if (additional?.schema) {
      const valueSchema = additional.schema;
      if (isNonNullableNull(value[key], valueSchema) && valueSchema.default !== undefined)
        value[key] = cloneJson(valueSchema.default);
      applyDefaults(value[key], valueSchema);
    }
  }
}

/**
 * kube drops nulls from non-nullable fields that have no default before defaulting (PruneNonNullableNullsWithoutDefaults),
 * so `field: null` in a manifest means "unset" rather than a type error.
 */
export function dropNonNullableNulls(value: unknown, schema: SchemaNode | undefined): void {
  if (Array.isArray(value)) {
    const items = schema ? itemsOf(schema) : undefined;
    for (const item of value) dropNonNullableNulls(item, items);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, fieldValue] of Object.entries(value)) {
    const fieldSchema = schema
      ? (propertyOf(schema, key) ?? additionalPropertiesOf(schema)?.schema)
      : undefined;
    if (
      fieldValue === null &&
      fieldSchema &&
      fieldSchema.nullable !== true &&
      fieldSchema.default === undefined
    )
      delete value[key];
    else dropNonNullableNulls(fieldValue, fieldSchema);
  }
}

function isNonNullableNull(value: unknown, schema: SchemaNode): boolean {
  return value === null && schema.nullable !== true;
}
