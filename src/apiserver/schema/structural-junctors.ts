import type { StatusCause } from '../errors.ts';
import { childPath, fieldError, keyPath } from './field-errors.ts';
import { isPlainObject, type SchemaNode } from './schema-node.ts';
import { checkKeywords } from './structural-keywords.ts';

const JUNCTORS = ['allOf', 'anyOf', 'oneOf'] as const;

/** Checks the allOf/anyOf/oneOf/not of a node (the int-or-string anyOf idiom excepted). */
export function checkJunctors(node: SchemaNode, path: string, causes: StatusCause[]): void {
  const skipAnyOf = isIntOrStringAnyOf(node.anyOf);
  for (const junctor of JUNCTORS) {
    const list = node[junctor];
    if (!Array.isArray(list) || (junctor === 'anyOf' && skipAnyOf)) continue;
    list.forEach((sub, i) => {
      if (isPlainObject(sub))
        checkValueValidation(sub as SchemaNode, `${childPath(path, junctor)}[${i}]`, causes);
    });
  }
  if (isPlainObject(node.not)) checkValueValidation(node.not as SchemaNode, childPath(path, 'not'), causes);
}

/**
 * Inside allOf/anyOf/oneOf/not a structural schema may only restate value validations: the shape (types,
 * defaults, extensions) must come from the enclosing schema.
 */
function checkValueValidation(node: SchemaNode, path: string, causes: StatusCause[]): void {
  checkKeywords(node, path, causes);
  const mustBeEmpty: Record<string, string> = {
    type: 'must be empty to be structural',
    additionalProperties: 'must be undefined to be structural',
    default: 'must be undefined to be structural',
    title: 'must be empty to be structural',
    description: 'must be empty to be structural',
    nullable: 'must be false to be structural',
    'x-kubernetes-preserve-unknown-fields': 'must be false to be structural',
    'x-kubernetes-embedded-resource': 'must be false to be structural',
    'x-kubernetes-int-or-string': 'must be false to be structural',
    'x-kubernetes-list-map-keys': 'must be empty to be structural',
    'x-kubernetes-list-type': 'must be undefined to be structural',
    'x-kubernetes-map-type': 'must be undefined to be structural',
    'x-kubernetes-validations': 'must be empty to be structural',
  };
  for (const [keyword, detail] of Object.entries(mustBeEmpty))
    if (node[keyword] !== undefined && node[keyword] !== false && node[keyword] !== '')
      causes.push(fieldError.forbidden(childPath(path, keyword), detail));
  const properties = isPlainObject(node.properties) ? (node.properties as Record<string, unknown>) : {};
  for (const [key, property] of Object.entries(properties)) {
    const propertyPath = keyPath(childPath(path, 'properties'), key);
    if (key === 'metadata')
      causes.push(fieldError.forbidden(propertyPath, 'must not be specified in a nested context'));
    if (isPlainObject(property)) checkValueValidation(property as SchemaNode, propertyPath, causes);
  }
  if (isPlainObject(node.items))
    checkValueValidation(node.items as SchemaNode, childPath(path, 'items'), causes);
  for (const junctor of JUNCTORS) {
    const list = node[junctor];
    if (Array.isArray(list))
      list.forEach((sub, i) => {
        if (isPlainObject(sub))
          checkValueValidation(sub as SchemaNode, `${childPath(path, junctor)}[${i}]`, causes);
      });
  }
  if (isPlainObject(node.not)) checkValueValidation(node.not as SchemaNode, childPath(path, 'not'), causes);
}

/** The int-or-string idiom `anyOf: [{type: integer}, {type: string}]` is the one place a junctor may carry types. */
function isIntOrStringAnyOf(anyOf: unknown): boolean {
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return false;
  const [a, b] = anyOf as unknown[];
  const only = (s: unknown, type: string) =>
    isPlainObject(s) && s.type === type && Object.keys(s).length === 1;
  return only(a, 'integer') && only(b, 'string');
}
