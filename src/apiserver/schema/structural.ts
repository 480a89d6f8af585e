import type { StatusCause } from '../errors.ts';
import { childPath, fieldError, keyPath } from './field-errors.ts';
import { isPlainObject, type SchemaNode } from './schema-node.ts';
import { checkJunctors } from './structural-junctors.ts';
import { checkKeywords } from './structural-keywords.ts';
import { checkListAndMapTypes } from './structural-list-types.ts';

type Level = 'root' | 'item' | 'field';

/**
 * The schema checks kube-apiserver applies before accepting a CRD version's openAPIV3Schema
 * (apiextensions validation.go and the structural-schema rules of schema/validation.go): supported keywords
 * only, a type on every node (except int-or-string and preserve-unknown-fields nodes), an object at the root,
 * no `$ref`, root metadata limited to name/generateName, consistent x-kubernetes-* extensions, and value-only
 * junctors (allOf/anyOf/oneOf/not). Causes are sorted as kube sorts them; `fieldPath` prefixes every field.
 * CEL rules are checked by createSchemaPipeline, which compiles them.
 */
export function checkStructuralSchema(schema: unknown, fieldPath = 'openAPIV3Schema'): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!isPlainObject(schema)) {
    causes.push(fieldError.required(fieldPath, 'must not be empty'));
    return causes;
  }
  checkNode(schema as SchemaNode, fieldPath, 'root', false, causes);
  return causes.sort((a, b) => {
    const x = `${a.field}: ${a.message}`;
    const y = `${b.field}: ${b.message}`;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function checkNode(
  node: SchemaNode,
  path: string,
  level: Level,
  insideMeta: boolean,
  causes: StatusCause[],
): void {
  checkKeywords(node, path, causes);
  checkExtensions(node, path, insideMeta, causes);
  const type = typeof node.type === 'string' ? node.type : '';
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = node['x-kubernetes-embedded-resource'] === true;

  if (embedded && type !== 'object') {
    if (type === '')
      causes.push(
        fieldError.required(
          childPath(path, 'type'),
          'must be object if x-kubernetes-embedded-resource is true',
        ),
      );
    else
      causes.push(
        fieldError.invalid(
          childPath(path, 'type'),
          type,
          'must be object if x-kubernetes-embedded-resource is true',
        ),
      );
  } else if (type === '' && !intOrString && !preserve) {
    const detail = {
      root: 'must not be empty at the root',
      item: 'must not be empty for specified array items',
      field: 'must not be empty for specified object fields',
    }[level];
    causes.push(fieldError.required(childPath(path, 'type'), detail));
  }
  if (level === 'root' && type !== '' && type !== 'object')
    causes.push(fieldError.invalid(childPath(path, 'type'), type, 'must be object at the root'));
  if (type === 'array' && node.items === undefined)
    causes.push(fieldError.required(childPath(path, 'items'), 'must be specified'));

  const properties = isPlainObject(node.properties)
    ? (node.properties as Record<string, unknown>)
    : undefined;
  if (node.additionalProperties !== undefined) {
    if (level === 'root')
      causes.push(
        fieldError.forbidden(childPath(path, 'additionalProperties'), 'must not be used at the root'),
      );
    if (embedded)
      causes.push(
        fieldError.forbidden(
          childPath(path, 'additionalProperties'),
          'must not be used if x-kubernetes-embedded-resource is set',
        ),
      );
    if (properties && Object.keys(properties).length > 0 && node.additionalProperties !== true)
      causes.push(
        fieldError.forbidden(
          childPath(path, 'additionalProperties'),
          'additionalProperties and properties are mutual exclusive',
        ),
      );
    if (isPlainObject(node.additionalProperties))
      checkNode(
        node.additionalProperties as SchemaNode,
        childPath(path, 'additionalProperties'),
        'field',
        insideMeta,
        causes,
      );
  }
  if (embedded && !preserve && (!properties || Object.keys(properties).length === 0))
    causes.push(
      fieldError.required(
        childPath(path, 'properties'),
        'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
      ),
    );

  const checkMeta = level === 'root' || embedded;
  for (const [key, property] of Object.entries(properties ?? {})) {
    const propertyPath = keyPath(childPath(path, 'properties'), key);
    if (!isPlainObject(property)) {
      causes.push(fieldError.invalid(propertyPath, '', 'must be a schema object'));
      continue;
    }
    const child = property as SchemaNode;
    if (checkMeta && (key === 'kind' || key === 'apiVersion') && child.type !== 'string')
      causes.push(fieldError.invalid(childPath(propertyPath, 'type'), child.type ?? '', 'must be string'));
    if (key === 'metadata' && checkMeta) checkMetadataSchema(child, propertyPath, level === 'root', causes);
    checkNode(child, propertyPath, 'field', insideMeta || (checkMeta && key === 'metadata'), causes);
  }
  if (Array.isArray(node.items)) {
    causes.push(
      fieldError.forbidden(childPath(path, 'items'), 'items must be a schema object and not an array'),
    );
  } else if (isPlainObject(node.items)) {
    checkNode(node.items as SchemaNode, childPath(path, 'items'), 'item', insideMeta, causes);
  }
  checkListAndMapTypes(node, path, type, causes);
  checkJunctors(node, path, causes);
}

function checkExtensions(node: SchemaNode, path: string, insideMeta: boolean, causes: StatusCause[]): void {
  const preserve = node['x-kubernetes-preserve-unknown-fields'];
  if (preserve === false)
    causes.push(
      fieldError.invalid(
        childPath(path, 'x-kubernetes-preserve-unknown-fields'),
        false,
        'must be true or undefined',
      ),
    );
  if (node['x-kubernetes-int-or-string'] === true) {
    if (preserve === true)
      causes.push(
        fieldError.invalid(
          childPath(path, 'x-kubernetes-preserve-unknown-fields'),
          true,
          'must be false if x-kubernetes-int-or-string is true',
        ),
      );
    if (node['x-kubernetes-embedded-resource'] === true)
      causes.push(
        fieldError.invalid(
          childPath(path, 'x-kubernetes-embedded-resource'),
          true,
          'must be false if x-kubernetes-int-or-string is true',
        ),
      );
  }
  if (insideMeta && node['x-kubernetes-embedded-resource'] === true)
    causes.push(
      fieldError.forbidden(
        childPath(path, 'x-kubernetes-embedded-resource'),
        'must not be used inside of resource meta',
      ),
    );
}

/** At the resource root, metadata may only restrict name and generateName: the rest is ObjectMeta's. */
function checkMetadataSchema(node: SchemaNode, path: string, isRoot: boolean, causes: StatusCause[]): void {
  if (node.type !== 'object')
    causes.push(fieldError.invalid(childPath(path, 'type'), node.type ?? '', 'must be object'));
  if (!isRoot) return;
  if (node.default !== undefined)
    causes.push(fieldError.forbidden(childPath(path, 'default'), 'must not be set for metadata'));
  const propertyNames = isPlainObject(node.properties) ? Object.keys(node.properties) : [];
  const onlyNames = propertyNames.every((k) => k === 'name' || k === 'generateName');
  const otherKeywords = Object.keys(node).filter(
    (k) => k !== 'type' && k !== 'properties' && k !== 'default',
  );
  if (!onlyNames || otherKeywords.length > 0)
    causes.push(
      fieldError.forbidden(
        path,
        'must not specify anything other than name and generateName, but metadata is implicitly specified',
      ),
    );
}
