import type { ResourceType } from '../types.ts';
import { groupVersionString, type ServedGroup } from './group-versions.ts';

// The pre-aggregation discovery documents (meta/v1 APIVersions, APIGroupList, APIGroup, APIResourceList).
// client-node and older clients walk these; kubectl falls back to them when aggregated discovery is not offered.

export const STATUS_VERBS = ['get', 'patch', 'update'];

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupList(groups: readonly ServedGroup[]): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.filter((g) => g.name !== '').map(apiGroupBody),
  };
}

export function apiGroup(group: ServedGroup): object {
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroupBody(group) };
}

function apiGroupBody(group: ServedGroup): object {
  const versions = group.versions.map((v) => ({
    groupVersion: groupVersionString(group.name, v.version),
    version: v.version,
  }));
  return { name: group.name, versions, preferredVersion: versions[0] };
}

export function apiResourceList(group: string, version: string, types: readonly ResourceType[]): object {
  const resources: object[] = [];
  for (const type of types) {
    resources.push({
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: type.verbs,
      ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
      ...(type.categories.length > 0 ? { categories: type.categories } : {}),
    });
    if (type.hasStatus) {
      resources.push({
        name: `${type.plural}/status`,
        singularName: '',
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: STATUS_VERBS,
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersionString(group, version),
    resources,
  };
}
