import { errors } from '../errors.ts';
import type { TypeRegistry } from '../registry.ts';
import type { ResourceType } from '../types.ts';

/** What a resource URL names: a collection, one object, or an object's subresource. */
export interface ResourceTarget {
  type: ResourceType;
  /** The namespace in the path; undefined for cluster-scoped types and all-namespaces collections. */
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  /** The legacy `/watch/` path form. */
  watchPath: boolean;
}

/**
 * Parses `/api/v1/...` and `/apis/{group}/{version}/...`. Returns undefined for paths that are not about
 * resources (discovery documents like `/api/v1` itself); throws 404 for resource paths naming nothing served.
 */
export function parseResourcePath(pathname: string, registry: TypeRegistry): ResourceTarget | undefined {
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 2) {
    group = '';
    version = segments[1]!;
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 3) {
    group = segments[1]!;
    version = segments[2]!;
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  if (rest.length === 0) return undefined;
  const watchPath = rest[0] === 'watch';
  if (watchPath) rest = rest.slice(1);
  const notFound = errors.pathNotFound(pathname);

  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const type = registry.lookup(group, version, rest[2]!);
    if (type?.namespaced) {
      if (rest.length > 5) throw notFound;
      return { type, namespace: rest[1]!, name: rest[3], subresource: rest[4], watchPath };
    }
  }
  const type = registry.lookup(group, version, rest[0]!);
  if (!type || rest.length > 3) throw notFound;
  if (type.namespaced && rest.length > 1) throw notFound;
  return { type, namespace: undefined, name: rest[1], subresource: rest[2], watchPath };
}
