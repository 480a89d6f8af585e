// The parts of admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy(Binding) the embedded control plane
// evaluates. Objects are read straight from storage, so every field is optional and checked where it is used.
import type { LabelSelectorObject } from '../query/label-selector-object.ts';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface RuleWithOperations {
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  operations?: string[];
  /** '*' (default), 'Cluster' or 'Namespaced'. */
  scope?: string;
  resourceNames?: string[];
}

export interface MatchResources {
  namespaceSelector?: LabelSelectorObject;
  objectSelector?: LabelSelectorObject;
  resourceRules?: RuleWithOperations[];
  excludeResourceRules?: RuleWithOperations[];
}

export interface NamedExpression {
  name?: string;
  expression?: string;
}

export interface Validation {
  expression?: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
}

export interface PolicySpec {
  failurePolicy?: 'Fail' | 'Ignore';
  matchConstraints?: MatchResources;
  matchConditions?: NamedExpression[];
  variables?: NamedExpression[];
  validations?: Validation[];
  paramKind?: unknown;
}

export interface BindingSpec {
  policyName?: string;
  validationActions?: string[];
  matchResources?: MatchResources;
  paramRef?: unknown;
}

/** What is being admitted: kube's admission.Attributes, reduced to what policies look at. */
export interface AdmissionAttributes {
  operation: Operation;
  group: string;
  version: string;
  kind: string;
  /** The plural resource, e.g. `virtualmachines`. */
  resource: string;
  /** '' for the main resource, `status` for the status subresource. */
  subresource: string;
  namespaced: boolean;
  name: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
  /** The new object; undefined on DELETE. */
  object: Record<string, unknown> | undefined;
  /** The stored object; undefined on CREATE. */
  oldObject: Record<string, unknown> | undefined;
  dryRun: boolean;
  username: string;
}
