import type { StatusCause } from '../errors.ts';
import { childPath, fieldError, keyPath } from './field-errors.ts';
import { isPlainObject, type SchemaNode } from './schema-node.ts';

const LIST_TYPES = ['atomic', 'set', 'map'];
const MAP_TYPES = ['atomic', 'granular'];

/** x-kubernetes-list-type / list-map-keys / map-type consistency, as kube's CRD validation checks it. */
export function checkListAndMapTypes(
  node: SchemaNode,
  path: string,
  type: string,
  causes: StatusCause[],
): void {
  const mapType = node['x-kubernetes-map-type'];
  if (mapType !== undefined) {
    if (type !== 'object') {
      if (type === '')
        causes.push(
          fieldError.required(
            childPath(path, 'type'),
            'must be object if x-kubernetes-map-type is specified',
          ),
        );
      else
        causes.push(
          fieldError.invalid(
            childPath(path, 'type'),
            type,
            'must be object if x-kubernetes-map-type is specified',
          ),
        );
    }
    if (!MAP_TYPES.includes(String(mapType)))
      causes.push(fieldError.notSupported(childPath(path, 'x-kubernetes-map-type'), mapType, MAP_TYPES));
  }
  const listType = node['x-kubernetes-list-type'];
  if (listType !== undefined) {
    if (type !== 'array') {
      if (type === '')
        causes.push(
          fieldError.required(
            childPath(path, 'type'),
            'must be array if x-kubernetes-list-type is specified',
          ),
        );
      else
        causes.push(
          fieldError.invalid(
            childPath(path, 'type'),
            type,
            'must be array if x-kubernetes-list-type is specified',
          ),
        );
    }
    if (!LIST_TYPES.includes(String(listType)))
      causes.push(fieldError.notSupported(childPath(path, 'x-kubernetes-list-type'), listType, LIST_TYPES));
  }
  const keys = node['x-kubernetes-list-map-keys'];
  const hasKeys = Array.isArray(keys) && keys.length > 0;
  if (hasKeys && listType === undefined)
    causes.push(
      fieldError.required(
        childPath(path, 'x-kubernetes-list-type'),
        'must be map if x-kubernetes-list-map-keys is non-empty',
      ),
    );
  else if (hasKeys && listType !== 'map')
    causes.push(
      fieldError.invalid(
        childPath(path, 'x-kubernetes-list-type'),
        listType,
        'must be map if x-kubernetes-list-map-keys is non-empty',
      ),
    );
  if (listType !== 'map') return;
  if (!hasKeys)
    causes.push(
      fieldError.required(
        childPath(path, 'x-kubernetes-list-map-keys'),
        'must not be empty if x-kubernetes-list-type is map',
      ),
    );
  const items = isPlainObject(node.items) ? (node.items as SchemaNode) : undefined;
  if (!items) {
    causes.push(
      fieldError.required(childPath(path, 'items'), 'must have a schema if x-kubernetes-list-type is map'),
    );
    return;
  }
  if (items.type !== 'object') {
    causes.push(
      fieldError.invalid(
        childPath(childPath(path, 'items'), 'type'),
        items.type ?? '',
        "must be object if parent array's x-kubernetes-list-type is map",
      ),
    );
    return;
  }
  const itemProperties = isPlainObject(items.properties)
    ? (items.properties as Record<string, SchemaNode>)
    : {};
  const seen = new Set<string>();
  for (const key of hasKeys ? keys : []) {
    const property = itemProperties[String(key)];
    if (!property) {
      causes.push(
        fieldError.invalid(
          childPath(path, 'x-kubernetes-list-map-keys'),
          keys,
          'entries must all be names of item properties',
        ),
      );
    } else if (property.type === 'array' || property.type === 'object') {
      causes.push(
        fieldError.invalid(
          childPath(keyPath(childPath(childPath(path, 'items'), 'properties'), String(key)), 'type'),
          property.type,
          "must be a scalar type if parent array's x-kubernetes-list-type is map",
        ),
      );
    }
    if (seen.has(String(key)))
      causes.push(
        fieldError.invalid(
          childPath(path, 'x-kubernetes-list-map-keys'),
          keys,
          'must not contain duplicate entries',
        ),
      );
    seen.add(String(key));
  }
}
