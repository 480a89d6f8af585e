import type { TypeRegistry } from '../registry.ts';
import type { KubeObject, OwnerReference, ResourceType } from '../types.ts';

export type OwnerState = 'present' | 'absent' | 'unknown';

function typeOfReference(registry: TypeRegistry, ref: OwnerReference): ResourceType | undefined {
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  const version = slash < 0 ? ref.apiVersion : ref.apiVersion.slice(slash + 1);
  return (
    registry.lookupKind(group, version, ref.kind) ??
    // Another served version of the same group/kind shares the storage.
    registry.all().find((t) => t.group === group && t.kind === ref.kind)
  );
}

/**
 * Whether the owner a reference names exists: same uid in the dependent's namespace (or cluster-wide for
 * cluster-scoped owners). `unknown` when the kind is not served: like kube's GC, we then leave the dependent alone.
 */
export function ownerState(
  registry: TypeRegistry,
  find: (type: ResourceType, namespace: string, name: string) => KubeObject | undefined,
  dependent: KubeObject,
  ref: OwnerReference,
): { state: OwnerState; type?: ResourceType; owner?: KubeObject } {
  const type = typeOfReference(registry, ref);
  if (!type) return { state: 'unknown' };
  const owner = find(type, type.namespaced ? (dependent.metadata.namespace ?? '') : '', ref.name);
  if (!owner || owner.metadata.uid !== ref.uid) return { state: 'absent', type };
  return { state: 'present', type, owner };
}
