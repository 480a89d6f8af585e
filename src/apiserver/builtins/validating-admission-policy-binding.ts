import { bindingCauses } from '../admission-policy/policy-spec-checks.ts';
import type { BindingSpec } from '../admission-policy/policy-types.ts';
import { ageColumn, column, nameColumn } from '../http/table/columns.ts';
import { ageOf } from '../http/table/human-duration.ts';
import { builtinType } from './builtin-type.ts';
import type { KindBehavior } from './kind-behavior.ts';

export const validatingAdmissionPolicyBindingType = builtinType({
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  kind: 'ValidatingAdmissionPolicyBinding',
  plural: 'validatingadmissionpolicybindings',
  namespaced: false,
  categories: ['api-extensions'],
});

export const validatingAdmissionPolicyBindingBehavior: KindBehavior = {
  knownFields: ['spec'],
  validate: (object) => bindingCauses(object.spec as BindingSpec | undefined),
  table: {
    columns: [
      nameColumn,
      column('PolicyName', 'string', 'The name of the bound policy'),
      column('ParamRef', 'string', 'The parameter reference'),
      ageColumn,
    ],
    cells: (object, now) => [
      object.metadata.name,
      (object.spec as BindingSpec | undefined)?.policyName ?? '',
      '<unset>',
      ageOf(object.metadata.creationTimestamp, now),
    ],
  },
};
