import { behaviorFor } from '../builtins/index.ts';
import type { Qualified } from '../errors.ts';
import { apiVersionOf, type KubeObject, type ResourceType, storageResource } from '../types.ts';

/** How errors name a type's objects: `widgets.example.com "x"`, `configmaps "x"`. */
export function qualified(type: ResourceType): Qualified {
  return { group: type.group, resourceOrKind: type.plural };
}

/** The store resource a type's objects live in: its own, or the one it shares (events.k8s.io -> core Events). */
export function storageOf(type: ResourceType): string {
  return behaviorFor(type).storage?.resource ?? storageResource(type);
}

/** A stored object as the type serves it. */
export function toApi(type: ResourceType, stored: KubeObject): KubeObject {
  const converted = behaviorFor(type).storage?.fromStorage(stored) ?? stored;
  // One stored version serves every version of a CRD (no conversion webhooks): only apiVersion differs.
  return { ...converted, apiVersion: apiVersionOf(type), kind: type.kind };
}

export function toStorage(type: ResourceType, object: KubeObject): KubeObject {
  return behaviorFor(type).storage?.toStorage(object) ?? object;
}
