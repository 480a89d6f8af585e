import type { ResourceType } from '../types.ts';

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** A built-in ResourceType with kube's defaults filled in (no schema, no printer columns: KindBehavior prints). */
export function builtinType(
  fields: Pick<ResourceType, 'group' | 'version' | 'kind' | 'plural' | 'namespaced'> & Partial<ResourceType>,
): ResourceType {
  return {
    listKind: `${fields.kind}List`,
    singular: fields.kind.toLowerCase(),
    shortNames: [],
    categories: [],
    hasStatus: false,
    verbs: ALL_VERBS,
    printerColumns: [],
    selectableFields: [],
    custom: false,
    ...fields,
  };
}

/** Counts the keys of a map-valued field (ConfigMap/Secret DATA columns). */
export function countKeys(value: unknown): number {
  return value && typeof value === 'object' ? Object.keys(value).length : 0;
}
