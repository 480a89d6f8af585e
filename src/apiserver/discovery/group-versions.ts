import type { ResourceType } from '../types.ts';
import { compareVersionPriority } from './version-priority.ts';

export interface ServedVersion {
  version: string;
  /** Sorted by plural, so documents are stable and their hashes only change when the types do. */
  types: ResourceType[];
}

export interface ServedGroup {
  /** '' for the core group */
  name: string;
  /** Preferred version first. */
  versions: ServedVersion[];
}

/**
 * Groups the registry's types for discovery and OpenAPI. The core group comes first, then groups by name; within a
 * group, versions by Kubernetes' priority so versions[0] is the preferred one.
 */
export function servedGroups(types: readonly ResourceType[]): ServedGroup[] {
  const byGroup = new Map<string, Map<string, ResourceType[]>>();
  for (const type of types) {
    const versions = byGroup.get(type.group) ?? new Map<string, ResourceType[]>();
    byGroup.set(type.group, versions);
    versions.set(type.version, [...(versions.get(type.version) ?? []), type]);
  }
  return [...byGroup.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, versions]) => ({
      name,
      versions: [...versions.entries()]
        .sort(([a], [b]) => compareVersionPriority(a, b))
        .map(([version, list]) => ({
          version,
          types: [...list].sort((a, b) => (a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0)),
        })),
    }));
}

export function groupVersionString(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}
