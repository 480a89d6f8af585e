import { policyCauses } from '../admission-policy/policy-spec-checks.ts';
import type { PolicySpec } from '../admission-policy/policy-types.ts';
import { ageColumn, column, nameColumn } from '../http/table/columns.ts';
import { ageOf } from '../http/table/human-duration.ts';
import { builtinType } from './builtin-type.ts';
import type { KindBehavior } from './kind-behavior.ts';

export const validatingAdmissionPolicyType = builtinType({
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  kind: 'ValidatingAdmissionPolicy',
  plural: 'validatingadmissionpolicies',
  namespaced: false,
  hasStatus: true,
  categories: ['api-extensions'],
});

// Evaluated on every write by the admission-policy module; checked here so a policy that could never be
// evaluated (an expression that does not compile) is refused when applied, as kube-apiserver refuses it.
export const validatingAdmissionPolicyBehavior: KindBehavior = {
  knownFields: ['spec', 'status'],
  validate: (object) => policyCauses(object.spec as PolicySpec | undefined),
  table: {
    columns: [
      nameColumn,
      column('Validations', 'integer', 'Number of validations'),
      column('ParamKind', 'string', 'The kind of the parameters'),
      ageColumn,
    ],
    cells: (object, now) => [
      object.metadata.name,
      ((object.spec as PolicySpec | undefined)?.validations ?? []).length,
      '<unset>',
      ageOf(object.metadata.creationTimestamp, now),
    ],
  },
};
