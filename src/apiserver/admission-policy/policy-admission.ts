import {
  namespaceType,
  validatingAdmissionPolicyBindingType,
  validatingAdmissionPolicyType,
} from '../builtins/index.ts';
import { ApiError, type StatusCause, type StatusReason } from '../errors.ts';
import type { Labels } from '../query/label-selector.ts';
import type { Store } from '../storage/store.ts';
import { type KubeObject, storageResource } from '../types.ts';
import { evaluatePolicy, type PolicyViolation } from './evaluate-policy.ts';
import { matchResources } from './match-rules.ts';
import type { AdmissionAttributes, BindingSpec, PolicySpec } from './policy-types.ts';

/**
 * The one user the embedded control plane authenticates (its bearer token): what `request.userInfo.username`
 * holds in policy expressions.
 */
export const ADMIN_USERNAME = 'vmsnap-local-admin';

const REASON_CODES: Partial<Record<StatusReason, number>> = {
  Forbidden: 403,
  Unauthorized: 401,
  RequestEntityTooLarge: 413,
  Invalid: 422,
};

/**
 * kube's ValidatingAdmissionPolicy plugin over the server's own store: every binding whose policy and
 * matchResources match the request is evaluated, in binding-name order. Per binding, each violation goes to
 * its validationActions: Deny -> the first one rejects the request (exactly kube's error: `<resource>.<group>
 * "<name>" is forbidden: ValidatingAdmissionPolicy '<policy>' with binding '<binding>' denied request:
 * <message>`, with the validation's reason and its status code), Warn -> a Warning header text, Audit ->
 * nothing (the server keeps no audit log with annotations).
 *
 * Runs after the object was validated and before it is written; it reads but never writes, so a rejected
 * request leaves no trace. Policies and bindings are read from the store on each call, so a change applies to
 * the very next request (kube: eventually, via an informer).
 */
export function admitByPolicies(store: Store, request: AdmissionAttributes, warnings: string[]): void {
  const bindings = store.list(storageResource(validatingAdmissionPolicyBindingType)).items;
  if (bindings.length === 0) return;
  const policies = new Map(
    store.list(storageResource(validatingAdmissionPolicyType)).items.map((p) => [p.metadata.name ?? '', p]),
  );
  const namespaceLabels = (name: string): Labels | undefined =>
    store.get({ resource: storageResource(namespaceType), namespace: '', name })?.metadata.labels;
  const sorted = [...bindings].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  for (const binding of sorted) {
    const bindingSpec = (binding.spec ?? {}) as BindingSpec;
    const policy = policies.get(bindingSpec.policyName ?? '');
    if (!policy) continue;
    const policySpec = (policy.spec ?? {}) as PolicySpec;
    if (!matchResources(policySpec.matchConstraints, request, namespaceLabels, true)) continue;
    if (!matchResources(bindingSpec.matchResources, request, namespaceLabels, false)) continue;
    const violations = evaluatePolicy(policySpec, request);
    const actions = bindingSpec.validationActions ?? [];
    for (const violation of violations) {
      if (actions.includes('Deny')) throw denial(request, policy, binding, violation);
      if (actions.includes('Warn'))
        warnings.push(
          `Validation failed for ValidatingAdmissionPolicy '${policy.metadata.name ?? ''}' with binding '${binding.metadata.name ?? ''}': ${violation.message}`,
        );
    }
  }
}

/** kube's admission.NewForbidden with the validation's reason and code, plus the policy message as a cause. */
function denial(
  request: AdmissionAttributes,
  policy: KubeObject,
  binding: KubeObject,
  violation: PolicyViolation,
): ApiError {
  const message = `ValidatingAdmissionPolicy '${policy.metadata.name ?? ''}' with binding '${binding.metadata.name ?? ''}' denied request: ${violation.message}`;
  const resource = request.group ? `${request.resource}.${request.group}` : request.resource;
  const reason = (violation.reason in REASON_CODES ? violation.reason : 'Invalid') as StatusReason;
  const prefix = request.name ? `${resource} "${request.name}"` : resource;
  // kube's cause carries only a message; `reason` is part of this server's StatusCause type, left empty.
  const cause: StatusCause = { reason: '', message };
  return new ApiError(REASON_CODES[reason] ?? 422, reason, `${prefix} is forbidden: ${message}`, {
    name: request.name,
    group: request.group,
    kind: request.resource,
    causes: [cause],
  });
}
