import { errors } from '../errors.ts';
import { type LabelOperator, type LabelRequirement, requirementProblems } from './label-requirement.ts';
import { EVERYTHING, type LabelMatcher, matcherOf, NOTHING } from './label-selector.ts';

/** metav1.LabelSelector, as it appears in specs (`selector: {matchLabels: ..., matchExpressions: [...]}`). */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorExpression[];
}

export interface LabelSelectorExpression {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

const OPERATORS: Record<string, LabelOperator> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * Compiles a LabelSelector object to the same matcher the string syntax gives, with Kubernetes' meaning:
 * absent (null/undefined) selects NOTHING, an empty selector `{}` selects EVERYTHING, and matchLabels and
 * matchExpressions are ANDed. Throws ApiError 400 naming every bad field (`matchExpressions[0].operator`).
 */
export function labelSelectorFromObject(selector: LabelSelectorObject | null | undefined): LabelMatcher {
  if (selector === null || selector === undefined) return NOTHING;
  const requirements: LabelRequirement[] = [];
  const problems: string[] = [];

  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const requirement: LabelRequirement = { key, operator: '=', values: [value] };
    problems.push(...requirementProblems(requirement, `matchLabels[${JSON.stringify(key)}]`));
    requirements.push(requirement);
  }
  (selector.matchExpressions ?? []).forEach((expression, i) => {
    const path = `matchExpressions[${i}]`;
    const operator = Object.hasOwn(OPERATORS, expression.operator)
      ? OPERATORS[expression.operator]
      : undefined;
    if (!operator) {
      problems.push(
        `${path}.operator: Unsupported value: ${JSON.stringify(expression.operator)}: supported values: "In", "NotIn", "Exists", "DoesNotExist"`,
      );
      return;
    }
    const requirement: LabelRequirement = {
      key: expression.key,
      operator,
      values: [...(expression.values ?? [])],
    };
    problems.push(...requirementProblems(requirement, path));
    requirements.push(requirement);
  });

  if (problems.length > 0) throw errors.badRequest(`invalid label selector: ${problems.join(', ')}`);
  return requirements.length === 0 ? EVERYTHING : matcherOf(requirements);
}
