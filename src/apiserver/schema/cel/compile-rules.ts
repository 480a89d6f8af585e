import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import type { StatusCause } from '../../errors.ts';
import { childPath, fieldError, indexPath, keyPath } from '../field-errors.ts';
import {
  additionalPropertiesOf,
  itemsOf,
  propertiesOf,
  propertyOf,
  type SchemaNode,
  type ValidationRule,
  validationRulesOf,
} from '../schema-node.ts';
import { CelTypeDeclarer } from './cel-types.ts';
import { registerKubeLibrary } from './kube-library.ts';

export interface CompiledRule {
  rule: ValidationRule;
  /** Evaluates on plain JSON (self/oldSelf are dyn); type errors were caught by the typed check at compile time. */
  program: ParseResult;
  messageProgram: ParseResult | undefined;
  /** Transition rule: mentions oldSelf, so it only runs on updates where an old value exists. */
  usesOldSelf: boolean;
  /** The rule's fieldPath normalised to kube's field.Path form (`spec.x`, `labels[key]`), or ''. */
  fieldPath: string;
}

/** Compiled rules by the schema node that declares them. */
export type CompiledRules = Map<SchemaNode, CompiledRule[]>;

export const SUPPORTED_RULE_REASONS = [
  'FieldValueDuplicate',
  'FieldValueForbidden',
  'FieldValueInvalid',
  'FieldValueRequired',
];

const ENV_OPTIONS = { enableOptionalTypes: true, homogeneousAggregateLiterals: false } as const;

/** Shared evaluation environments: rules see JSON through dyn self/oldSelf. */
const evaluationEnv = registerKubeLibrary(new Environment(ENV_OPTIONS))
  .registerVariable('self', 'dyn')
  .registerVariable('oldSelf', 'dyn');
/** For `optionalOldSelf: true` rules, oldSelf is an optional that is empty on create. */
const optionalOldSelfEnv = registerKubeLibrary(new Environment(ENV_OPTIONS))
  .registerVariable('self', 'dyn')
  .registerVariable('oldSelf', 'optional<dyn>');

/**
 * Compiles every x-kubernetes-validations rule of a schema. Problems are collected for all rules and returned as
 * causes (kube's CRD validation messages); the caller turns them into one error so the CRD is rejected.
 */
export function compileRules(
  schema: SchemaNode,
  schemaPath: string,
): { rules: CompiledRules; causes: StatusCause[] } {
  const rules: CompiledRules = new Map();
  const causes: StatusCause[] = [];
  walk(schema, schemaPath, true, undefined, rules, causes);
  return { rules, causes };
}

function walk(
  node: SchemaNode,
  path: string,
  isRoot: boolean,
  uncorrelatableAt: string | undefined,
  rules: CompiledRules,
  causes: StatusCause[],
): void {
  const declared = validationRulesOf(node);
  if (declared.length > 0) {
    const compiled = compileNodeRules(node, declared, path, isRoot, uncorrelatableAt, causes);
    if (compiled.length > 0) rules.set(node, compiled);
  }
  for (const [key, property] of Object.entries(propertiesOf(node) ?? {}))
    walk(property, keyPath(childPath(path, 'properties'), key), false, uncorrelatableAt, rules, causes);
  const additional = additionalPropertiesOf(node)?.schema;
  if (additional)
    walk(additional, childPath(path, 'additionalProperties'), false, uncorrelatableAt, rules, causes);
  const items = itemsOf(node);
  if (items) {
    const itemsPath = childPath(path, 'items');
    // Only list-type=map items can be matched with their previous version, so only there oldSelf is defined.
    const correlatable = node['x-kubernetes-list-type'] === 'map';
    walk(
      items,
      itemsPath,
      false,
      correlatable ? uncorrelatableAt : (uncorrelatableAt ?? path),
      rules,
      causes,
    );
  }
}

function compileNodeRules(
  node: SchemaNode,
  declared: ValidationRule[],
  path: string,
  isRoot: boolean,
  uncorrelatableAt: string | undefined,
  causes: StatusCause[],
): CompiledRule[] {
  const baseEnv = registerKubeLibrary(new Environment(ENV_OPTIONS));
  const selfType = new CelTypeDeclarer(baseEnv).typeOf(node, isRoot);
  baseEnv.registerVariable('self', selfType);
  const checkEnv = baseEnv.clone().registerVariable('oldSelf', selfType);
  const optionalCheckEnv = baseEnv.clone().registerVariable('oldSelf', `optional<${selfType}>`);
  const compiled: CompiledRule[] = [];
  declared.forEach((rule, i) => {
    const rulePath = indexPath(childPath(path, 'x-kubernetes-validations'), i);
    const before = causes.length;
    checkRuleFields(node, rule, rulePath, causes);
    if (causes.length > before || typeof rule.rule !== 'string') return;
    const optionalOldSelf = rule.optionalOldSelf === true;
    const check = (optionalOldSelf ? optionalCheckEnv : checkEnv).check(rule.rule);
    if (!check.valid) {
      causes.push(
        fieldError.invalid(
          childPath(rulePath, 'rule'),
          rule.rule,
          `compilation failed: ${celGoStyleError(check.error, rule.rule)}`,
        ),
      );
      return;
    }
    if (check.type !== 'bool') {
      causes.push(
        fieldError.invalid(childPath(rulePath, 'rule'), rule.rule, 'cel expression must evaluate to a bool'),
      );
      return;
    }
    const program = (optionalOldSelf ? optionalOldSelfEnv : evaluationEnv).parse(rule.rule);
    const usesOldSelf = mentionsOldSelf(program.ast);
    if (optionalOldSelf && !usesOldSelf) {
      causes.push(
        fieldError.invalid(
          childPath(rulePath, 'optionalOldSelf'),
          true,
          'may not be set if oldSelf is not used in rule',
        ),
      );
      return;
    }
    if (usesOldSelf && uncorrelatableAt !== undefined) {
      causes.push(
        fieldError.invalid(
          childPath(rulePath, 'rule'),
          rule.rule,
          `oldSelf cannot be used on the uncorrelatable portion of the schema within ${uncorrelatableAt}`,
        ),
      );
      return;
    }
    let messageProgram: ParseResult | undefined;
    if (typeof rule.messageExpression === 'string') {
      const messageCheck = checkEnv.check(rule.messageExpression);
      const problem = !messageCheck.valid
        ? `messageExpression compilation failed: ${celGoStyleError(messageCheck.error, rule.messageExpression)}`
        : messageCheck.type !== 'string'
          ? 'messageExpression must evaluate to a string'
          : undefined;
      if (problem) {
        causes.push(
          fieldError.invalid(childPath(rulePath, 'messageExpression'), rule.messageExpression, problem),
        );
        return;
      }
      messageProgram = evaluationEnv.parse(rule.messageExpression);
    }
    compiled.push({
      rule,
      program,
      messageProgram,
      usesOldSelf,
      fieldPath: typeof rule.fieldPath === 'string' ? (normaliseFieldPath(node, rule.fieldPath) ?? '') : '',
    });
  });
  return compiled;
}

/** The static checks kube's CRD validation applies to each rule's fields. */
function checkRuleFields(
  node: SchemaNode,
  rule: ValidationRule,
  rulePath: string,
  causes: StatusCause[],
): void {
  if (typeof rule.rule !== 'string' || rule.rule.trim() === '') {
    causes.push(fieldError.required(childPath(rulePath, 'rule'), 'rule is not specified'));
  }
  if (rule.message !== undefined) {
    if (typeof rule.message !== 'string' || rule.message.trim() === '')
      causes.push(
        fieldError.invalid(
          childPath(rulePath, 'message'),
          rule.message ?? '',
          'message must be non-empty if specified',
        ),
      );
    else if (rule.message.includes('\n'))
      causes.push(
        fieldError.invalid(
          childPath(rulePath, 'message'),
          rule.message,
          'message must not contain line breaks',
        ),
      );
  } else if (
    typeof rule.rule === 'string' &&
    rule.rule.includes('\n') &&
    rule.messageExpression === undefined
  ) {
    causes.push(
      fieldError.required(
        childPath(rulePath, 'message'),
        'message must be specified if rule contains line breaks',
      ),
    );
  }
  if (
    rule.messageExpression !== undefined &&
    (typeof rule.messageExpression !== 'string' || rule.messageExpression.trim() === '')
  )
    causes.push(
      fieldError.required(
        childPath(rulePath, 'messageExpression'),
        'messageExpression must be non-empty if specified',
      ),
    );
  if (rule.reason !== undefined && !SUPPORTED_RULE_REASONS.includes(String(rule.reason)))
    causes.push(fieldError.notSupported(childPath(rulePath, 'reason'), rule.reason, SUPPORTED_RULE_REASONS));
  if (rule.fieldPath !== undefined) {
    const fieldPathField = childPath(rulePath, 'fieldPath');
    if (typeof rule.fieldPath !== 'string' || rule.fieldPath.trim() === '')
      causes.push(
        fieldError.invalid(fieldPathField, rule.fieldPath ?? '', 'fieldPath must be non-empty if specified'),
      );
    else if (rule.fieldPath.includes('\n'))
      causes.push(
        fieldError.invalid(fieldPathField, rule.fieldPath, 'fieldPath must not contain line breaks'),
      );
    else if (normaliseFieldPath(node, rule.fieldPath) === undefined)
      causes.push(fieldError.invalid(fieldPathField, rule.fieldPath, 'fieldPath must be a valid path'));
  }
}

/**
 * Parses a rule's fieldPath (`.spec.replicas`, `.labels['app.kubernetes.io/name']`) against the schema and
 * returns it in kube's field.Path form (`spec.replicas`, `labels[app.kubernetes.io/name]`), or undefined when it
 * does not name a field the schema declares.
 */
export function normaliseFieldPath(node: SchemaNode, fieldPath: string): string | undefined {
  const segment = /^(?:\.([A-Za-z_$][\w$-]*)|\['((?:[^'\\]|\\.)*)'\])/;
  let rest = fieldPath.trim();
  let current: SchemaNode | undefined = node;
  let out = '';
  while (rest.length > 0) {
    const match = segment.exec(rest);
    if (!match || !current) return undefined;
    rest = rest.slice(match[0].length);
    const name = match[1] ?? (match[2] ?? '').replace(/\\(.)/g, '$1');
    const property = propertyOf(current, name);
    if (property) {
      out = childPath(out, name);
      current = property;
      continue;
    }
    const additional = additionalPropertiesOf(current);
    if (!additional) return undefined;
    out = keyPath(out, name);
    current = additional.schema;
  }
  return out === '' ? undefined : out;
}

function mentionsOldSelf(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(mentionsOldSelf);
  if (typeof node !== 'object' || node === null) return false;
  const { op, args } = node as { op?: unknown; args?: unknown };
  if (op === 'id') return args === 'oldSelf';
  return mentionsOldSelf(args);
}

/**
 * Words a cel-js check error the way cel-go reports it (`ERROR: <input>:1:6: undefined field 'b'`), since CRD
 * authors compare these messages with what a real cluster says.
 */
function celGoStyleError(error: Error | undefined, source: string): string {
  const raw = (error?.message ?? 'unknown error').split('\n')[0] ?? '';
  const detail = raw
    .replace(/^No such key: (.+)$/, "undefined field '$1'")
    .replace(/^Unknown variable: (.+)$/, "undeclared reference to '$1' (in container '')");
  const location = error as { range?: { start?: number }; node?: { pos?: number } } | undefined;
  const offset = location?.range?.start ?? location?.node?.pos;
  if (typeof offset !== 'number') return `ERROR: <input>: ${detail}`;
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `ERROR: <input>:${line}:${column}: ${detail}`;
}
