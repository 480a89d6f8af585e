import type { StatusCause } from '../errors.ts';
import { childPath, fieldError } from './field-errors.ts';
import type { SchemaNode } from './schema-node.ts';

const OPENAPI_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

/** Keywords kube's CRD API does not accept at all. */
export function checkKeywords(node: SchemaNode, path: string, causes: StatusCause[]): void {
  if (
    typeof node.type === 'string' &&
    node.type !== '' &&
    node.type !== 'null' &&
    !OPENAPI_TYPES.includes(node.type)
  )
    causes.push(fieldError.notSupported(childPath(path, 'type'), node.type, OPENAPI_TYPES));
  if (node.type === 'null')
    causes.push(
      fieldError.forbidden(
        childPath(path, 'type'),
        'type cannot be set to null, use nullable as an alternative',
      ),
    );
  if (node.type !== undefined && typeof node.type !== 'string')
    causes.push(fieldError.invalid(childPath(path, 'type'), node.type, 'must be a string'));
  const unsupported: Record<string, string> = {
    $ref: '$ref is not supported',
    id: 'id is not supported',
    additionalItems: 'additionalItems is not supported',
    patternProperties: 'patternProperties is not supported',
    definitions: 'definitions is not supported',
    dependencies: 'dependencies is not supported',
  };
  for (const [keyword, detail] of Object.entries(unsupported))
    if (node[keyword] !== undefined) causes.push(fieldError.forbidden(childPath(path, keyword), detail));
  if (node.uniqueItems === true)
    causes.push(
      fieldError.forbidden(
        childPath(path, 'uniqueItems'),
        'uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
      ),
    );
  if (typeof node.pattern === 'string') {
    try {
      new RegExp(node.pattern.replace(/^\(\?[imsU]+\)/, ''), 'u');
    } catch (error) {
      causes.push(
        fieldError.invalid(
          childPath(path, 'pattern'),
          node.pattern,
          `must be a valid regular expression, but isn't: ${(error as Error).message}`,
        ),
      );
    }
  }
}
