import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { registerKubeLibrary } from '../schema/cel/kube-library.ts';

/**
 * The CEL environment of admission policy expressions (kube's validatingadmissionpolicy composition): `object`,
 * `oldObject`, `request`, `params`, `namespaceObject` and the policy's `variables`, all dynamically typed over
 * JSON, with the same Kubernetes library functions as x-kubernetes-validations rules.
 */
const policyEnv = registerKubeLibrary(
  new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false }),
)
  .registerVariable('object', 'dyn')
  .registerVariable('oldObject', 'dyn')
  .registerVariable('request', 'dyn')
  .registerVariable('params', 'dyn')
  .registerVariable('namespaceObject', 'dyn')
  .registerVariable('variables', 'dyn');

export type PolicyProgram = ParseResult;

// Policies are re-read on every write, so programs are cached by their source text; the set of distinct
// expressions is bounded by what users put in policies.
const programs = new Map<string, PolicyProgram>();

/** Parses (once) an expression; throws the parser's error for an expression that does not compile. */
export function programFor(expression: string): PolicyProgram {
  let program = programs.get(expression);
  if (!program) {
    program = policyEnv.parse(expression);
    programs.set(expression, program);
  }
  return program;
}

/** Type-checks an expression against the policy environment; the error text, or undefined when it is fine. */
export function compileProblem(expression: string): string | undefined {
  try {
    const result = policyEnv.check(expression);
    if (!result.valid) return firstLine(result.error?.message);
    return undefined;
  } catch (error) {
    return firstLine(error instanceof Error ? error.message : String(error));
  }
}

function firstLine(message: string | undefined): string {
  return `ERROR: <input>: ${(message ?? 'unknown error').split('\n')[0] ?? ''}`;
}
