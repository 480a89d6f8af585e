import type { StatusCause } from '../errors.ts';
import type { CompiledRules } from './cel/compile-rules.ts';
import { evaluateRules } from './cel/evaluate-rules.ts';
import { childPath, fieldError, keyPath } from './field-errors.ts';
import { compileOpenApiValidator } from './openapi-validator.ts';
import { pruneValueAgainst } from './prune.ts';
import {
  additionalPropertiesOf,
  isEmbeddedResource,
  itemsOf,
  propertiesOf,
  type SchemaNode,
} from './schema-node.ts';

/**
 * kube-apiserver rejects a CRD whose `default` values would not survive the request pipeline
 * (apiextensions-apiserver schema/defaulting/validation.go): a default must not contain fields the schema
 * prunes, must pass the schema's value validation, and must satisfy the node's CEL rules. Causes are reported
 * at `<node>.default`, with paths inside the default appended.
 */
export function checkDefaults(schema: SchemaNode, schemaPath: string, rules: CompiledRules): StatusCause[] {
  const causes: StatusCause[] = [];
  walk(schema, schemaPath, rules, true, false, causes);
  return causes;
}

function walk(
  node: SchemaNode,
  path: string,
  rules: CompiledRules,
  isRoot: boolean,
  insideMeta: boolean,
  causes: StatusCause[],
): void {
  // Defaults inside ObjectMeta are ObjectMeta's business (and forbidden at the root by the structural checks).
  if (node.default !== undefined && !insideMeta) checkDefault(node, path, rules, causes);
  const embedded = isRoot || isEmbeddedResource(node);
  for (const [key, property] of Object.entries(propertiesOf(node) ?? {}))
    walk(
      property,
      keyPath(childPath(path, 'properties'), key),
      rules,
      false,
      embedded && key === 'metadata',
      causes,
    );
  const additional = additionalPropertiesOf(node)?.schema;
  if (additional) walk(additional, childPath(path, 'additionalProperties'), rules, false, insideMeta, causes);
  const items = itemsOf(node);
  if (items) walk(items, childPath(path, 'items'), rules, false, insideMeta, causes);
}

function checkDefault(node: SchemaNode, path: string, rules: CompiledRules, causes: StatusCause[]): void {
  const defaultPath = childPath(path, 'default');
  const at = (field: string | undefined) =>
    field === undefined || field === '' || field === '<nil>' ? defaultPath : childPath(defaultPath, field);
  const pruned = structuredClone(node.default);
  if (pruneValueAgainst(pruned, node).length > 0) {
    causes.push(fieldError.invalid(defaultPath, node.default, 'must not have unknown fields'));
    return;
  }
  const schemaCauses = compileOpenApiValidator(node)(node.default);
  if (schemaCauses.length > 0) {
    causes.push(...schemaCauses.map((c) => ({ ...c, field: at(c.field) })));
    return;
  }
  // Rules run as an update from the default to itself (so transition rules run) and as a create.
  const ruleCauses = [
    ...evaluateRules(rules, node, node.default, node.default, false),
    ...evaluateRules(rules, node, node.default, undefined, false),
  ];
  const seen = new Set<string>();
  for (const cause of ruleCauses) {
    const mapped = { ...cause, field: at(cause.field) };
    const key = `${mapped.field}\u0000${mapped.message}`;
    if (!seen.has(key)) causes.push(mapped);
    seen.add(key);
  }
}
