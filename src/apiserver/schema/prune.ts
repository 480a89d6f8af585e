import { pruneUnknownMetadataFields } from './object-meta-fields.ts';
import {
  additionalPropertiesOf,
  isEmbeddedResource,
  isPlainObject,
  isPreserveUnknown,
  itemsOf,
  propertyOf,
  type SchemaNode,
} from './schema-node.ts';

/**
 * Structural pruning as kube-apiserver does it (apiextensions-apiserver schema/pruning): every field the schema
 * does not declare is deleted, in place, recursively through objects, maps and arrays. A node with
 * `x-kubernetes-preserve-unknown-fields: true` keeps its unknown fields but its declared properties are still
 * pruned. The resource root and `x-kubernetes-embedded-resource` objects keep `apiVersion`, `kind` (when strings)
 * and `metadata` (when an object); embedded metadata is reduced to ObjectMeta's fields.
 *
 * Returns the pruned paths in kube's notation (`spec.bogus`, `spec.items[0].x`), sorted as kube sorts them, which
 * is what strict field validation reports as `unknown field "..."`.
 */
export function pruneUnknownFields(object: Record<string, unknown>, schema: SchemaNode): string[] {
  const pruned: string[] = [];
  // kube treats the resource root as an embedded resource, so its apiVersion/kind/metadata always survive.
  const root: SchemaNode = isEmbeddedResource(schema)
    ? schema
    : { ...schema, 'x-kubernetes-embedded-resource': true };
  pruneValue(object, root, '', pruned, true);
  return pruned.sort();
}

/** Prunes a value below the resource root (e.g. a schema `default`) against its own schema node. */
export function pruneValueAgainst(value: unknown, schema: SchemaNode): string[] {
  const pruned: string[] = [];
  pruneValue(value, schema, '', pruned);
  return pruned.sort();
}

function child(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * The apiVersion/kind/metadata of an embedded resource are left alone by pruning (kube hands them to ObjectMeta
 * coercion); below the root, unknown ObjectMeta fields are dropped and reported like pruned fields.
 */
function keepMetaField(key: string, value: unknown, path: string, isRoot: boolean, pruned: string[]): void {
  if (key === 'metadata' && !isRoot && isPlainObject(value))
    pruned.push(...pruneUnknownMetadataFields(value, child(path, key)));
}

function pruneValue(
  value: unknown,
  schema: SchemaNode | undefined,
  path: string,
  pruned: string[],
  isRoot = false,
): void {
  if (schema && isPreserveUnknown(schema)) {
    pruneDeclaredOnly(value, schema, path, pruned, isRoot);
    return;
  }
  if (Array.isArray(value)) {
    const items = schema ? itemsOf(schema) : undefined;
    value.forEach((item, i) => {
      pruneValue(item, items, `${path}[${i}]`, pruned);
    });
    return;
  }
  if (!isPlainObject(value)) return;
  if (!schema) {
    for (const key of Object.keys(value)) {
      pruned.push(child(path, key));
      delete value[key];
    }
    return;
  }
  const embedded = isEmbeddedResource(schema);
  const additional = additionalPropertiesOf(schema);
  for (const [key, fieldValue] of Object.entries(value)) {
    if (embedded && META_FIELDS.has(key)) {
      keepMetaField(key, fieldValue, path, isRoot, pruned);
      continue;
    }
    const property = propertyOf(schema, key);
    if (property) {
      pruneValue(fieldValue, property, child(path, key), pruned);
    } else if (additional) {
      pruneValue(fieldValue, additional.schema, child(path, key), pruned);
    } else {
      pruned.push(child(path, key));
      delete value[key];
    }
  }
}

/**
 * Under preserve-unknown-fields (kube's skipPrune): unknown keys stay, declared properties and map values are
 * pruned normally, and array items keep skipping.
 */
function pruneDeclaredOnly(
  value: unknown,
  schema: SchemaNode | undefined,
  path: string,
  pruned: string[],
  isRoot: boolean,
): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = itemsOf(schema);
    value.forEach((item, i) => {
      pruneDeclaredOnly(item, items, `${path}[${i}]`, pruned, false);
    });
    return;
  }
  if (!isPlainObject(value)) return;
  const embedded = isEmbeddedResource(schema);
  const additional = additionalPropertiesOf(schema);
  for (const [key, fieldValue] of Object.entries(value)) {
    if (embedded && META_FIELDS.has(key)) {
      keepMetaField(key, fieldValue, path, isRoot, pruned);
      continue;
    }
    const property = propertyOf(schema, key);
    if (property) pruneValue(fieldValue, property, child(path, key), pruned);
    else if (additional) pruneValue(fieldValue, additional.schema, child(path, key), pruned);
  }
}
