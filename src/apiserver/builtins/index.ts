import type { TypeRegistry } from '../registry.ts';
import type { ResourceType } from '../types.ts';
import { configMapBehavior, configMapType } from './configmap.ts';
import {
  customResourceDefinitionBehavior,
  customResourceDefinitionType,
} from './custom-resource-definition.ts';
import { coreEventBehavior, coreEventType, eventsV1Behavior, eventsV1Type } from './event.ts';
import type { KindBehavior } from './kind-behavior.ts';
import { leaseBehavior, leaseType } from './lease.ts';
import { namespaceBehavior, namespaceType } from './namespace.ts';
import { secretBehavior, secretType } from './secret.ts';
import { checkCrdSchema } from './structural-check.ts';
import {
  validatingAdmissionPolicyBehavior,
  validatingAdmissionPolicyType,
} from './validating-admission-policy.ts';
import {
  validatingAdmissionPolicyBindingBehavior,
  validatingAdmissionPolicyBindingType,
} from './validating-admission-policy-binding.ts';

export type { KindBehavior } from './kind-behavior.ts';

const BUILTINS: ReadonlyArray<readonly [ResourceType, KindBehavior]> = [
  [namespaceType, namespaceBehavior],
  [configMapType, configMapBehavior],
  [secretType, secretBehavior],
  [coreEventType, coreEventBehavior],
  [eventsV1Type, eventsV1Behavior],
  [leaseType, leaseBehavior],
  [customResourceDefinitionType, customResourceDefinitionBehavior(checkCrdSchema)],
  [validatingAdmissionPolicyType, validatingAdmissionPolicyBehavior],
  [validatingAdmissionPolicyBindingType, validatingAdmissionPolicyBindingBehavior],
];

/** Custom resources: their schema pipeline does the kind-specific work; DELETE answers with the object. */
const CUSTOM_RESOURCE_BEHAVIOR: KindBehavior = { deleteReturnsObject: true };

const behaviors = new Map<string, KindBehavior>(BUILTINS.map(([type, behavior]) => [keyOf(type), behavior]));

function keyOf(type: Pick<ResourceType, 'group' | 'version' | 'kind'>): string {
  return `${type.group}/${type.version}/${type.kind}`;
}

/** Registers every built-in kind the server serves (before the server starts answering). */
export function registerBuiltinTypes(registry: TypeRegistry): void {
  for (const [type] of BUILTINS) registry.add(type);
}

export function behaviorFor(type: ResourceType): KindBehavior {
  if (type.custom) return CUSTOM_RESOURCE_BEHAVIOR;
  return behaviors.get(keyOf(type)) ?? {};
}

export { NAMESPACE_CONTENT_FINALIZER, namespaceType, SYSTEM_NAMESPACES } from './namespace.ts';
export { validatingAdmissionPolicyType } from './validating-admission-policy.ts';
export { validatingAdmissionPolicyBindingType } from './validating-admission-policy-binding.ts';
