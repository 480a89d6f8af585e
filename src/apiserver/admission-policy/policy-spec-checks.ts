import type { StatusCause } from '../errors.ts';
import { fieldError } from '../schema/field-errors.ts';
import { compileProblem } from './policy-cel.ts';
import type { BindingSpec, NamedExpression, PolicySpec, RuleWithOperations } from './policy-types.ts';

const OPERATIONS = ['*', 'CREATE', 'UPDATE', 'DELETE', 'CONNECT'];
const ACTIONS = ['Deny', 'Warn', 'Audit'];
const REASONS = ['Unauthorized', 'Forbidden', 'Invalid', 'RequestEntityTooLarge'];

/**
 * The checks kube's admissionregistration validation applies to a ValidatingAdmissionPolicy that matter for
 * evaluating it here (field paths and wording as kube prints them); expressions must compile. Parameters
 * (paramKind) are not supported by the embedded control plane and are refused rather than silently ignored.
 */
export function policyCauses(spec: PolicySpec | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!spec) return [fieldError.required('spec')];
  if (spec.failurePolicy !== undefined && spec.failurePolicy !== 'Fail' && spec.failurePolicy !== 'Ignore')
    causes.push(fieldError.notSupported('spec.failurePolicy', spec.failurePolicy, ['Fail', 'Ignore']));
  if (spec.paramKind !== undefined && spec.paramKind !== null)
    causes.push(fieldError.forbidden('spec.paramKind', 'parameters are not supported by this API server'));
  const rules = spec.matchConstraints?.resourceRules;
  if (!Array.isArray(rules) || rules.length === 0)
    causes.push(fieldError.required('spec.matchConstraints.resourceRules'));
  for (const [i, rule] of (rules ?? []).entries())
    causes.push(...ruleCauses(rule, `spec.matchConstraints.resourceRules[${i}]`));
  for (const [i, rule] of (spec.matchConstraints?.excludeResourceRules ?? []).entries())
    causes.push(...ruleCauses(rule, `spec.matchConstraints.excludeResourceRules[${i}]`));
  causes.push(...namedExpressionCauses(spec.matchConditions, 'spec.matchConditions'));
  causes.push(...namedExpressionCauses(spec.variables, 'spec.variables'));
  const validations = spec.validations ?? [];
  if (validations.length === 0) causes.push(fieldError.required('spec.validations'));
  validations.forEach((validation, i) => {
    const path = `spec.validations[${i}]`;
    causes.push(...expressionCauses(validation.expression, `${path}.expression`));
    if (validation.messageExpression)
      causes.push(...expressionCauses(validation.messageExpression, `${path}.messageExpression`));
    if (validation.reason !== undefined && !REASONS.includes(validation.reason))
      causes.push(fieldError.notSupported(`${path}.reason`, validation.reason, REASONS));
  });
  return causes;
}

export function bindingCauses(spec: BindingSpec | undefined): StatusCause[] {
  if (!spec) return [fieldError.required('spec')];
  const causes: StatusCause[] = [];
  if (!spec.policyName) causes.push(fieldError.required('spec.policyName'));
  if (spec.paramRef !== undefined && spec.paramRef !== null)
    causes.push(fieldError.forbidden('spec.paramRef', 'parameters are not supported by this API server'));
  const actions = spec.validationActions ?? [];
  if (actions.length === 0) causes.push(fieldError.required('spec.validationActions'));
  actions.forEach((action, i) => {
    if (!ACTIONS.includes(action))
      causes.push(fieldError.notSupported(`spec.validationActions[${i}]`, action, ACTIONS));
  });
  if (actions.includes('Deny') && actions.includes('Warn'))
    causes.push(
      fieldError.invalid(
        'spec.validationActions',
        actions,
        'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)',
      ),
    );
  return causes;
}

function ruleCauses(rule: RuleWithOperations, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const field of ['apiGroups', 'apiVersions', 'resources', 'operations'] as const)
    if (!Array.isArray(rule[field]) || rule[field].length === 0)
      causes.push(fieldError.required(`${path}.${field}`));
  (rule.operations ?? []).forEach((operation, i) => {
    if (!OPERATIONS.includes(operation))
      causes.push(fieldError.notSupported(`${path}.operations[${i}]`, operation, OPERATIONS));
  });
  return causes;
}

function namedExpressionCauses(list: NamedExpression[] | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (list ?? []).forEach((item, i) => {
    if (!item.name) causes.push(fieldError.required(`${path}[${i}].name`));
    causes.push(...expressionCauses(item.expression, `${path}[${i}].expression`));
  });
  return causes;
}

function expressionCauses(expression: string | undefined, path: string): StatusCause[] {
  if (!expression) return [fieldError.required(path)];
  const problem = compileProblem(expression);
  return problem ? [fieldError.invalid(path, expression, `compilation failed: ${problem}`)] : [];
}
