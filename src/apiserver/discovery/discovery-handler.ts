import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../errors.ts';
import type { TypeRegistry } from '../registry.ts';
import { acceptsPlainJson, parseAccept } from './accept.ts';
import { type AggregatedVersion, aggregatedContentType, aggregatedDiscovery } from './aggregated.ts';
import { type ServedGroup, servedGroups } from './group-versions.ts';
import { apiGroup, apiGroupList, apiResourceList, apiVersions } from './legacy.ts';
import { sendJson, sendStatus } from './respond.ts';

/**
 * Serves `/api`, `/api/v1`, `/apis`, `/apis/{group}` and `/apis/{group}/{version}` from the TypeRegistry. The
 * grouping is recomputed only when the registry's version moves, so a CRD shows up in the very next request.
 */
export function createDiscoveryHandler(registry: TypeRegistry, serverAddress: () => string) {
  let cached: { version: number; groups: ServedGroup[] } | undefined;
  const groups = (): ServedGroup[] => {
    if (cached?.version !== registry.version()) {
      cached = { version: registry.version(), groups: servedGroups(registry.all()) };
    }
    return cached.groups;
  };

  /** Returns false when the path is not a discovery path (resource paths go on to the resource handler). */
  return function handleDiscovery(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const segments = url.pathname.split('/').filter(Boolean);
    const root = segments[0];
    if ((root !== 'api' && root !== 'apis') || segments.length > (root === 'api' ? 2 : 3)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendStatus(res, errors.methodNotAllowed(req.method ?? ''));
      return true;
    }
    const all = groups();
    if (segments.length === 1) {
      const aggregated = negotiateAggregated(req.headers.accept);
      if (aggregated) {
        const selected = all.filter((g) => (root === 'api' ? g.name === '' : g.name !== ''));
        sendJson(res, 200, aggregatedDiscovery(selected, aggregated), aggregatedContentType(aggregated), {
          Vary: 'Accept',
        });
      } else {
        sendJson(
          res,
          200,
          root === 'api' ? apiVersions(serverAddress()) : apiGroupList(all),
          'application/json',
          {
            Vary: 'Accept',
          },
        );
      }
      return true;
    }
    const [group, version] = root === 'api' ? ['', segments[1]] : [segments[1] ?? '', segments[2]];
    const served = all.find((g) => g.name === group);
    if (version === undefined) {
      if (served) sendJson(res, 200, apiGroup(served));
      else sendStatus(res, errors.pathNotFound(url.pathname));
      return true;
    }
    const servedVersion = served?.versions.find((v) => v.version === version);
    if (servedVersion) sendJson(res, 200, apiResourceList(group, version, servedVersion.types));
    else sendStatus(res, errors.pathNotFound(url.pathname));
    return true;
  };
}

/**
 * Picks aggregated discovery when the client prefers it over plain JSON. Undefined = answer the legacy document
 * (also when nothing acceptable is listed: lenient, like most clients expect).
 */
function negotiateAggregated(accept: string | undefined): AggregatedVersion | undefined {
  for (const range of parseAccept(accept)) {
    if (
      range.type === 'application/json' &&
      range.params.g === 'apidiscovery.k8s.io' &&
      range.params.as === 'APIGroupDiscoveryList' &&
      (range.params.v === 'v2' || range.params.v === 'v2beta1')
    ) {
      return range.params.v;
    }
    if (acceptsPlainJson(range)) return undefined;
  }
  return undefined;
}
