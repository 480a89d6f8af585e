export { evaluatePolicy, type PolicyViolation } from './evaluate-policy.ts';
export { matchResources, ruleMatches } from './match-rules.ts';
export { ADMIN_USERNAME, admitByPolicies } from './policy-admission.ts';
export type { AdmissionAttributes, BindingSpec, PolicySpec } from './policy-types.ts';
