import type { StatusCause } from '../errors.ts';
import type { ObjectMeta } from '../types.ts';
import { childPath, fieldError, indexPath, keyPath } from './field-errors.ts';
import { validateObjectMeta } from './metadata.ts';
import { isDns1035Label } from './name-validation.ts';
import {
  additionalPropertiesOf,
  isEmbeddedResource,
  isPlainObject,
  itemsOf,
  propertyOf,
  type SchemaNode,
} from './schema-node.ts';

/**
 * Checks the objects a CR embeds (`x-kubernetes-embedded-resource`), as kube-apiserver does
 * (apiextensions-apiserver schema/objectmeta/validation.go): apiVersion and kind are required strings of valid
 * syntax, and the embedded metadata is ObjectMeta (names as path segments, namespaced when a namespace is set).
 * The resource root itself is not checked here: its metadata goes through the HTTP layer's ObjectMeta checks.
 */
export function validateEmbeddedResources(schema: SchemaNode, object: unknown): StatusCause[] {
  const causes: StatusCause[] = [];
  walk(schema, object, '', causes, true);
  return causes;
}

function walk(
  schema: SchemaNode | undefined,
  value: unknown,
  path: string,
  causes: StatusCause[],
  isRoot = false,
): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = itemsOf(schema);
    value.forEach((item, i) => {
      walk(items, item, indexPath(path, i), causes);
    });
    return;
  }
  if (!isPlainObject(value)) return;
  if (!isRoot && isEmbeddedResource(schema)) causes.push(...validateEmbeddedResource(value, path));
  const additional = additionalPropertiesOf(schema)?.schema;
  for (const [key, fieldValue] of Object.entries(value)) {
    const property = propertyOf(schema, key);
    if (property) walk(property, fieldValue, childPath(path, key), causes);
    else if (additional) walk(additional, fieldValue, keyPath(path, key), causes);
  }
}

function validateEmbeddedResource(resource: Record<string, unknown>, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const apiVersionPath = childPath(path, 'apiVersion');
  const kindPath = childPath(path, 'kind');
  if (!Object.hasOwn(resource, 'apiVersion'))
    causes.push(fieldError.required(apiVersionPath, 'must not be empty'));
  if (!Object.hasOwn(resource, 'kind')) causes.push(fieldError.required(kindPath, 'must not be empty'));
  const { apiVersion, kind, metadata } = resource;
  if (apiVersion !== undefined) {
    if (typeof apiVersion !== 'string')
      causes.push(fieldError.invalid(apiVersionPath, apiVersion, 'must be a string'));
    else if (apiVersion === '')
      causes.push(fieldError.invalid(apiVersionPath, apiVersion, 'must not be empty'));
    else if (apiVersion.split('/').length > 2)
      causes.push(
        fieldError.invalid(apiVersionPath, apiVersion, `unexpected GroupVersion string: ${apiVersion}`),
      );
  }
  if (kind !== undefined) {
    if (typeof kind !== 'string') causes.push(fieldError.invalid(kindPath, kind, 'must be a string'));
    else if (kind === '') causes.push(fieldError.invalid(kindPath, kind, 'must not be empty'));
    else {
      const errs = isDns1035Label(kind.toLowerCase());
      if (errs.length > 0)
        causes.push(
          fieldError.invalid(
            kindPath,
            kind,
            `may have mixed case, but should otherwise match: ${errs.join(',')}`,
          ),
        );
    }
  }
  if (isPlainObject(metadata)) {
    const meta = metadata as ObjectMeta;
    // kube fills in a placeholder name: embedded resources need not be named.
    causes.push(
      ...validateObjectMeta(
        { ...meta, name: meta.name || 'fakename' },
        {
          namespaced: Boolean(meta.namespace),
          nameRule: 'path-segment',
          fieldPath: childPath(path, 'metadata'),
        },
      ),
    );
  } else if (metadata !== undefined) {
    causes.push(fieldError.invalid(childPath(path, 'metadata'), metadata, 'must be an object'));
  }
  return causes;
}
