import { isDeepStrictEqual } from 'node:util';
import { Optional } from '@marcbachmann/cel-js';
import type { StatusCause } from '../../errors.ts';
import { childPath, fieldError, indexPath, keyPath } from '../field-errors.ts';
import {
  additionalPropertiesOf,
  isPlainObject,
  itemsOf,
  propertyOf,
  type SchemaNode,
  type ValidationRule,
} from '../schema-node.ts';
import { toCelValue } from './cel-values.ts';
import type { CompiledRule, CompiledRules } from './compile-rules.ts';

/**
 * Runs compiled x-kubernetes-validations over an object the way kube-apiserver's CEL validator walks it
 * (apiextensions-apiserver schema/cel/validation.go):
 * - rules run only on non-null values; `self` is the value at the rule's schema node;
 * - transition rules (using oldSelf) run only where an old value is correlated: same property key, same map
 *   key, or the list-type=map item with the same key fields; `optionalOldSelf` rules also run without one;
 * - ratcheting: on updates, non-transition rules do not fail values that did not change;
 * - a failing rule reports `Invalid value: "<schema type>": <message or "failed rule: <rule>">` at the node's
 *   path (`<nil>` at the root, as kube prints a nil field path) plus the rule's fieldPath, with its reason.
 */
export function evaluateRules(
  rules: CompiledRules,
  schema: SchemaNode,
  object: unknown,
  old: unknown,
  isResourceRoot = true,
): StatusCause[] {
  const causes: StatusCause[] = [];
  if (rules.size > 0) walk(rules, schema, object, old, '', causes, false, isResourceRoot);
  return causes;
}

function walk(
  rules: CompiledRules,
  schema: SchemaNode,
  value: unknown,
  old: unknown,
  path: string,
  causes: StatusCause[],
  parentUnchanged: boolean,
  isRoot = false,
): void {
  if (value === null || value === undefined) return;
  // Ratcheting: an unchanged value keeps passing even if a (non-transition) rule now fails for it.
  const unchanged = parentUnchanged || (old !== undefined && old !== null && isDeepStrictEqual(value, old));
  const nodeRules = rules.get(schema);
  if (nodeRules) runNodeRules(nodeRules, schema, value, old ?? undefined, path, causes, unchanged, isRoot);
  if (Array.isArray(value)) {
    const items = itemsOf(schema);
    if (!items) return;
    const oldItems = Array.isArray(old) ? old : [];
    const mapKeys =
      schema['x-kubernetes-list-type'] === 'map' ? schema['x-kubernetes-list-map-keys'] : undefined;
    value.forEach((item, i) => {
      const oldItem = Array.isArray(mapKeys)
        ? oldItems.find((o) => sameMapKeys(o, item, mapKeys))
        : undefined;
      walk(rules, items, item, oldItem, indexPath(path, i), causes, unchanged);
    });
    return;
  }
  if (!isPlainObject(value)) return;
  const oldObject = isPlainObject(old) ? old : undefined;
  const additional = additionalPropertiesOf(schema)?.schema;
  for (const [key, fieldValue] of Object.entries(value)) {
    const property = propertyOf(schema, key);
    if (property)
      walk(rules, property, fieldValue, oldObject?.[key], childPath(path, key), causes, unchanged);
    else if (additional)
      walk(rules, additional, fieldValue, oldObject?.[key], keyPath(path, key), causes, unchanged);
  }
}

function runNodeRules(
  nodeRules: CompiledRule[],
  schema: SchemaNode,
  value: unknown,
  old: unknown,
  path: string,
  causes: StatusCause[],
  unchanged: boolean,
  isRoot: boolean,
): void {
  const typeName = isRoot ? 'object' : typeof schema.type === 'string' ? schema.type : '';
  const self = toCelValue(value, schema);
  const oldSelf = old === undefined ? undefined : toCelValue(old, schema);
  const nodeField = path === '' ? '<nil>' : path;
  for (const compiled of nodeRules) {
    const optionalOldSelf = compiled.rule.optionalOldSelf === true;
    if (compiled.usesOldSelf && oldSelf === undefined && !optionalOldSelf) continue;
    if (unchanged && !compiled.usesOldSelf) continue;
    const context = {
      self,
      oldSelf: optionalOldSelf ? (oldSelf === undefined ? Optional.none() : Optional.of(oldSelf)) : oldSelf,
    };
    let result: unknown;
    try {
      result = compiled.program(context);
    } catch (error) {
      causes.push(
        fieldError.invalid(
          nodeField,
          typeName,
          `${evaluationError(error)} evaluating rule: ${ruleErrorString(compiled.rule)}`,
        ),
      );
      continue;
    }
    if (result === true) continue;
    const field = compiled.fieldPath ? childPath(path, compiled.fieldPath) : nodeField;
    const message = messageFor(compiled, context);
    causes.push(errorForReason(compiled.rule.reason, field, typeName, message));
  }
}

function messageFor(compiled: CompiledRule, context: Record<string, unknown>): string {
  if (compiled.messageProgram) {
    try {
      const message = compiled.messageProgram(context);
      // kube falls back to the static message when the expression fails, is empty, or spans lines.
      if (typeof message === 'string' && message.trim() !== '' && !message.includes('\n'))
        return message.trim();
    } catch {
      // fall through to the static message, as kube does
    }
  }
  return ruleMessageOrDefault(compiled.rule);
}

function errorForReason(
  reason: string | undefined,
  field: string,
  typeName: string,
  detail: string,
): StatusCause {
  switch (reason) {
    case 'FieldValueForbidden':
      return fieldError.forbidden(field, detail);
    case 'FieldValueRequired':
      return fieldError.required(field, detail);
    case 'FieldValueDuplicate':
      return fieldError.duplicate(field, typeName);
    default:
      return fieldError.invalid(field, typeName, detail);
  }
}

export function ruleMessageOrDefault(rule: ValidationRule): string {
  return rule.message ? rule.message.trim() : `failed rule: ${ruleErrorString(rule)}`;
}

function ruleErrorString(rule: ValidationRule): string {
  return rule.message ? rule.message.trim() : rule.rule.trim();
}

function evaluationError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // cel-js appends a source excerpt on following lines; kube's messages are one line.
  const first = message.split('\n')[0] ?? message;
  // cel-go words missing keys in lower case ("no such key: x").
  return first.replace(/^No such key/, 'no such key');
}

function sameMapKeys(a: unknown, b: unknown, keys: unknown[]): boolean {
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  return keys.every((k) => typeof k === 'string' && JSON.stringify(a[k]) === JSON.stringify(b[k]));
}
