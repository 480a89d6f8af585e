import { toCelValue } from '../schema/cel/cel-values.ts';
import { programFor } from './policy-cel.ts';
import type { AdmissionAttributes, PolicySpec } from './policy-types.ts';

/** One failed validation (or an evaluation error under failurePolicy Fail). */
export interface PolicyViolation {
  message: string;
  /** The validation's reason (Forbidden, Invalid, Unauthorized, RequestEntityTooLarge); default Invalid. */
  reason: string;
}

/**
 * Evaluates a policy the way kube's validating admission policy plugin does (plugin/policy/validating):
 * matchConditions first (all must be true; one false skips the policy), then the variables in order, then
 * every validation. An expression that errors (or does not compile) counts as a violation with failurePolicy
 * Fail (the default) and is dropped with Ignore. Returns the violations, empty when the request is admitted.
 *
 * Variables are evaluated eagerly in declaration order (kube: lazily on first use); a variable that fails is
 * only an error for the expressions that read it, as in kube.
 */
export function evaluatePolicy(policy: PolicySpec, request: AdmissionAttributes): PolicyViolation[] {
  const failOnError = policy.failurePolicy !== 'Ignore';
  const errorViolation = (message: string): PolicyViolation[] =>
    failOnError ? [{ message, reason: 'Invalid' }] : [];
  const variables: Record<string, unknown> = {};
  const failedVariables = new Map<string, string>();
  const context = {
    object: toCelValue(request.object ?? null, undefined),
    oldObject: toCelValue(request.oldObject ?? null, undefined),
    request: requestValue(request),
    params: null,
    namespaceObject: null,
    variables: variablesProxy(variables, failedVariables),
  };
  const run = (expression: string): unknown => {
    try {
      return programFor(expression)(context);
    } catch (error) {
      throw new EvaluationError(
        `expression '${expression}' resulted in error: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };

  try {
    for (const condition of policy.matchConditions ?? []) {
      const result = run(condition.expression ?? '');
      if (result !== true) {
        if (typeof result !== 'boolean')
          throw new EvaluationError(`matchCondition '${condition.name ?? ''}' did not evaluate to a bool`);
        return [];
      }
    }
  } catch (error) {
    return errorViolation(error instanceof Error ? error.message : String(error));
  }

  for (const variable of policy.variables ?? []) {
    const name = variable.name ?? '';
    try {
      variables[name] = run(variable.expression ?? '');
    } catch (error) {
      failedVariables.set(name, error instanceof Error ? error.message : String(error));
    }
  }

  const violations: PolicyViolation[] = [];
  for (const validation of policy.validations ?? []) {
    const expression = validation.expression ?? '';
    let passed: unknown;
    try {
      passed = run(expression);
    } catch (error) {
      violations.push(...errorViolation(error instanceof Error ? error.message : String(error)));
      continue;
    }
    if (passed === true) continue;
    if (typeof passed !== 'boolean') {
      violations.push(...errorViolation(`expression '${expression}' did not evaluate to a bool`));
      continue;
    }
    violations.push({
      message: messageOf(validation.messageExpression, validation.message, expression, run),
      reason: validation.reason || 'Invalid',
    });
  }
  return violations;
}

/**
 * kube's message for a failed validation: messageExpression's result when it yields a non-empty single-line
 * string, else `message`, else `failed expression: <expression>`.
 */
function messageOf(
  messageExpression: string | undefined,
  message: string | undefined,
  expression: string,
  run: (expression: string) => unknown,
): string {
  if (messageExpression) {
    try {
      const text = run(messageExpression);
      if (typeof text === 'string' && text.trim() !== '' && !text.includes('\n')) return text.trim();
    } catch {
      // kube logs the error and falls back to the static message.
    }
  }
  return message || `failed expression: ${expression}`;
}

/** kube's `request` variable (admission/v1 AdmissionRequest), reduced to what the server knows. */
function requestValue(request: AdmissionAttributes): Record<string, unknown> {
  return {
    kind: { group: request.group, version: request.version, kind: request.kind },
    resource: { group: request.group, version: request.version, resource: request.resource },
    subResource: request.subresource,
    requestKind: { group: request.group, version: request.version, kind: request.kind },
    requestResource: { group: request.group, version: request.version, resource: request.resource },
    requestSubResource: request.subresource,
    name: request.name,
    namespace: request.namespace,
    operation: request.operation,
    userInfo: { username: request.username, groups: ['system:authenticated'] },
    dryRun: request.dryRun,
  };
}

/**
 * `variables` as CEL sees it: reading a variable that failed raises that variable's error (so only the
 * expressions that use it fail), reading an undeclared one raises "no such key".
 */
function variablesProxy(
  values: Record<string, unknown>,
  failed: Map<string, string>,
): Record<string, unknown> {
  return new Proxy(values, {
    get(target, key) {
      if (typeof key === 'string' && failed.has(key)) throw new Error(failed.get(key));
      return Reflect.get(target, key);
    },
  });
}

class EvaluationError extends Error {}
