import { isDeepStrictEqual } from 'node:util';
import {
  additionalPropertiesOf,
  isPlainObject,
  itemsOf,
  propertyOf,
  type SchemaNode,
} from './schema-node.ts';

/**
 * CRD validation ratcheting (on by default since Kubernetes 1.30): on update, a schema or CEL error is dropped
 * when the value it is about did not change, so tightening a CRD schema does not make existing objects
 * un-updatable (e.g. a controller writing status). kube correlates old and new values by property name, map key,
 * and list-type=map keys (set items by value); inside other lists there is no correlation below the list itself.
 *
 * Returns true when some node on the way from the root to the JSON pointer is correlated with an old value and
 * equal to it (an unchanged ancestor means everything below it is unchanged too).
 */
export function isUnchangedOnUpdate(
  schema: SchemaNode,
  object: unknown,
  old: unknown,
  pointer: string,
): boolean {
  let current: unknown = object;
  let previous: unknown = old;
  let node: SchemaNode | undefined = schema;
  if (isDeepStrictEqual(current, previous)) return true;
  const segments =
    pointer === ''
      ? []
      : pointer
          .slice(1)
          .split('/')
          .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  for (const segment of segments) {
    if (Array.isArray(current)) {
      const item: unknown = current[Number(segment)];
      previous = correlatedItem(node, item, previous);
      current = item;
      node = node ? itemsOf(node) : undefined;
    } else if (isPlainObject(current)) {
      current = current[segment];
      previous = isPlainObject(previous) ? previous[segment] : undefined;
      node = node ? (propertyOf(node, segment) ?? additionalPropertiesOf(node)?.schema) : undefined;
    } else {
      return false;
    }
    if (previous === undefined) return false;
    if (isDeepStrictEqual(current, previous)) return true;
  }
  return false;
}

function correlatedItem(listSchema: SchemaNode | undefined, item: unknown, oldList: unknown): unknown {
  if (!Array.isArray(oldList) || !listSchema) return undefined;
  const listType = listSchema['x-kubernetes-list-type'];
  if (listType === 'set') return oldList.find((o) => isDeepStrictEqual(o, item));
  if (listType !== 'map' || !isPlainObject(item)) return undefined;
  const keys = (listSchema['x-kubernetes-list-map-keys'] ?? []).filter(
    (k): k is string => typeof k === 'string',
  );
  return oldList.find((o) => isPlainObject(o) && keys.every((k) => isDeepStrictEqual(o[k], item[k])));
}
