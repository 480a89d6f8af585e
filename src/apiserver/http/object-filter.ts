import { compileFieldSelector } from '../query/field-selector.ts';
import { parseLabelSelector } from '../query/label-selector.ts';
import type { KubeObject, ResourceType } from '../types.ts';

/** labelSelector and fieldSelector of a list or watch request, compiled once. */
export interface ObjectFilter {
  matches(object: KubeObject): boolean;
}

export function filterFromQuery(
  query: URLSearchParams,
  type: ResourceType,
  pinnedName?: string,
): ObjectFilter {
  const label = parseLabelSelector(query.get('labelSelector') ?? '');
  const field = compileFieldSelector(query.get('fieldSelector') ?? '', type.selectableFields);
  return {
    matches: (object) =>
      (pinnedName === undefined || object.metadata.name === pinnedName) &&
      label.matches(object.metadata.labels) &&
      field.matches(object),
  };
}
