import type { StatusCause } from '../errors.ts';
import { childPath, fieldError, indexPath, keyPath } from './field-errors.ts';
import {
  additionalPropertiesOf,
  isPlainObject,
  itemsOf,
  propertyOf,
  type SchemaNode,
} from './schema-node.ts';

/**
 * The uniqueness invariants of `x-kubernetes-list-type: set` (no two equal items) and `map` (no two items with
 * the same key fields), as kube-apiserver checks them (apiextensions-apiserver schema/listtype). Only the second
 * occurrence of a repeated value is reported, as `Duplicate value: <value or key fields>` at its index.
 */
export function validateListSetsAndMaps(schema: SchemaNode, object: unknown): StatusCause[] {
  const causes: StatusCause[] = [];
  walkObject(schema, object, '', causes);
  return causes;
}

function walkObject(schema: SchemaNode, value: unknown, path: string, causes: StatusCause[]): void {
  if (!isPlainObject(value)) return;
  const additional = additionalPropertiesOf(schema)?.schema;
  for (const [key, fieldValue] of Object.entries(value)) {
    const property = propertyOf(schema, key);
    if (property) walkValue(property, fieldValue, childPath(path, key), causes);
    else if (additional) walkValue(additional, fieldValue, keyPath(path, key), causes);
  }
}

function walkValue(schema: SchemaNode, value: unknown, path: string, causes: StatusCause[]): void {
  if (!Array.isArray(value)) {
    walkObject(schema, value, path, causes);
    return;
  }
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set') {
    for (const i of secondOccurrences(value)) causes.push(fieldError.duplicate(indexPath(path, i), value[i]));
  } else if (listType === 'map') {
    causes.push(...validateListMap(schema, value, path));
  }
  const items = itemsOf(schema);
  if (!items) return;
  value.forEach((item, i) => {
    walkValue(items, item, indexPath(path, i), causes);
  });
}

function validateListMap(schema: SchemaNode, list: unknown[], path: string): StatusCause[] {
  const badIndex = list.findIndex((x) => x !== null && !isPlainObject(x));
  if (badIndex >= 0)
    return [
      fieldError.invalid(
        indexPath(path, badIndex),
        list[badIndex],
        'must be an object for an array of list-type map',
      ),
    ];
  const keyFields = (schema['x-kubernetes-list-map-keys'] ?? []).filter(
    (k): k is string => typeof k === 'string',
  );
  const keys = list.map((item) => {
    const key: Record<string, unknown> = {};
    if (isPlainObject(item))
      for (const field of keyFields) if (Object.hasOwn(item, field)) key[field] = item[field];
    return key;
  });
  return secondOccurrences(keys).map((i) => fieldError.duplicate(indexPath(path, i), keys[i]));
}

/** Indexes of the second occurrence of every value that occurs more than once (JSON equality). */
function secondOccurrences(values: unknown[]): number[] {
  const seen = new Map<string, number>();
  const result: number[] = [];
  values.forEach((value, i) => {
    const key = JSON.stringify(value, sortedKeys);
    const times = seen.get(key) ?? 0;
    if (times === 1) result.push(i);
    seen.set(key, times + 1);
  });
  return result;
}

/** JSON.stringify replacer that orders object keys, so equal objects serialise equally (Go marshals maps sorted). */
function sortedKeys(_key: string, value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, value[k]]),
  );
}
