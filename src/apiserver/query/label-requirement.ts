import { labelValueProblems, qualifiedNameProblems } from './label-validation.ts';

/** Kubernetes' selection operators, spelled as in k8s.io/apimachinery/pkg/selection. */
export type LabelOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

/** One term of a label selector. All terms of a selector must hold (AND). */
export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export type Labels = Readonly<Record<string, string>>;

/**
 * Validates a requirement the way Kubernetes' NewRequirement does. Returns the problems as kube's field-error
 * texts (`key: Invalid value: "-x": name part must ...`); empty when the requirement is valid.
 * `path` prefixes field names, e.g. `matchExpressions[0]` for the object form.
 */
export function requirementProblems(requirement: LabelRequirement, path = ''): string[] {
  const { key, operator, values } = requirement;
  const at = (field: string) => (path ? `${path}.${field}` : field);
  const problems: string[] = [];
  const keyProblems = qualifiedNameProblems(key);
  if (keyProblems.length > 0) problems.push(invalid(at('key'), key, keyProblems.join('; ')));

  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) {
        problems.push(
          invalid(at('values'), values, "for 'in', 'notin' operators, values set can't be empty"),
        );
      }
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) {
        problems.push(invalid(at('values'), values, 'exact-match compatibility requires one single value'));
      }
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) {
        problems.push(
          invalid(at('values'), values, 'values set must be empty for exists and does not exist'),
        );
      }
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) {
        problems.push(
          invalid(at('values'), values, "for 'Gt', 'Lt' operators, exactly one value is required"),
        );
      }
      values.forEach((value, i) => {
        if (parseInteger(value) === undefined) {
          problems.push(
            invalid(`${at('values')}[${i}]`, value, "for 'Gt', 'Lt' operators, the value must be an integer"),
          );
        }
      });
      break;
  }
  values.forEach((value, i) => {
    const valueProblems = labelValueProblems(value);
    if (valueProblems.length > 0)
      problems.push(invalid(`${at('values')}[${i}]`, value, valueProblems.join('; ')));
  });
  return problems;
}

/** Kube semantics: negative operators match objects without the label; positive ones need it. */
export function requirementMatches(requirement: LabelRequirement, labels: Labels | undefined): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, requirement.key);
  const value = has ? labels[requirement.key]! : undefined;
  switch (requirement.operator) {
    case '=':
    case '==':
    case 'in':
      return value !== undefined && requirement.values.includes(value);
    case '!=':
    case 'notin':
      return value === undefined || !requirement.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      const actual = value === undefined ? undefined : parseInteger(value);
      const bound = parseInteger(requirement.values[0] ?? '');
      if (actual === undefined || bound === undefined) return false;
      return requirement.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

/** Kubernetes' canonical text of one requirement (`a in (x,y)`, `!a`, `a>3`). */
export function requirementText(requirement: LabelRequirement): string {
  const { key, operator } = requirement;
  const values = [...requirement.values].sort();
  switch (operator) {
    case 'exists':
      return key;
    case '!':
      return `!${key}`;
    case 'in':
    case 'notin':
      return `${key} ${operator} (${values.join(',')})`;
    case 'gt':
      return `${key}>${values[0] ?? ''}`;
    case 'lt':
      return `${key}<${values[0] ?? ''}`;
    default:
      return `${key}${operator}${values[0] ?? ''}`;
  }
}

/** Go's strconv.ParseInt(value, 10, 64) acceptance, as a bigint so 64-bit values compare exactly. */
function parseInteger(value: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(value)) return undefined;
  const parsed = BigInt(value);
  return parsed >= -(2n ** 63n) && parsed < 2n ** 63n ? parsed : undefined;
}

function invalid(field: string, value: unknown, detail: string): string {
  return `${field}: Invalid value: ${JSON.stringify(value)}: ${detail}`;
}
