import type { ResourceType } from '../types.ts';
import type { ServedGroup } from './group-versions.ts';
import { STATUS_VERBS } from './legacy.ts';

/** The aggregated discovery versions we serve: kubectl 1.30+ asks for v2 first, 1.29 only knows v2beta1. */
export type AggregatedVersion = 'v2' | 'v2beta1';

/** Clients compare this Content-Type verbatim: anything else and kubectl silently finds no resources. */
export function aggregatedContentType(version: AggregatedVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

/**
 * apidiscovery.k8s.io APIGroupDiscoveryList: every group, version and resource in one document. `/api` carries
 * only the core group (unnamed), `/apis` all the others. v2 and v2beta1 have the same shape.
 */
export function aggregatedDiscovery(groups: readonly ServedGroup[], version: AggregatedVersion): object {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((group) => ({
      metadata:
        group.name === '' ? { creationTimestamp: null } : { name: group.name, creationTimestamp: null },
      versions: group.versions.map((v) => ({
        version: v.version,
        resources: v.types.map(resourceDiscovery),
        freshness: 'Current',
      })),
    })),
  };
}

function resourceDiscovery(type: ResourceType): object {
  const responseKind = { group: type.group, version: type.version, kind: type.kind };
  return {
    resource: type.plural,
    responseKind,
    scope: type.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: type.singular,
    verbs: type.verbs,
    ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
    ...(type.categories.length > 0 ? { categories: type.categories } : {}),
    ...(type.hasStatus
      ? { subresources: [{ subresource: 'status', responseKind, verbs: STATUS_VERBS }] }
      : {}),
  };
}
