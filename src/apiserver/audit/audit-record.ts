import type { IncomingMessage } from 'node:http';
import { booleanParam } from '../http/request-options.ts';
import { parseResourcePath } from '../http/request-target.ts';
import type { TypeRegistry } from '../registry.ts';

/**
 * One resource request as RBAC sees it: the attributes a (Cluster)Role rule matches on. Verbs are RBAC's
 * (get, list, watch, create, update, patch, delete, deletecollection), derived the way kube-apiserver's
 * RequestInfo derives them, whether or not the request then succeeded: a 404 on `get` still needed `get`.
 */
export interface AuditRecord {
  verb: string;
  /** "" for the core group. */
  group: string;
  resource: string;
  /** status, finalizers, ...; undefined for the object itself. */
  subresource: string | undefined;
  /** undefined for cluster-scoped resources and all-namespaces collections. */
  namespace: string | undefined;
  /** The object's name; undefined for collections (list, watch of all, create). */
  name: string | undefined;
  userAgent: string | undefined;
  /** The HTTP status the server answered with. */
  code: number;
}

/** Receives every resource request once it was answered; must not throw (errors are logged and dropped). */
export type AuditSink = (record: AuditRecord) => void;

/**
 * The RBAC attributes of a request, or undefined for requests that name no resource (health, /version,
 * discovery, OpenAPI, unknown paths): those are non-resource URLs, which RBAC grants separately.
 */
export function auditRecordOf(
  req: IncomingMessage,
  registry: TypeRegistry,
  code: number,
): AuditRecord | undefined {
  const url = new URL(req.url ?? '/', 'https://localhost');
  let target: ReturnType<typeof parseResourcePath>;
  try {
    target = parseResourcePath(url.pathname, registry);
  } catch {
    return undefined;
  }
  if (target === undefined) return undefined;
  const watch = target.watchPath || booleanParam(url.searchParams, 'watch');
  const verb = rbacVerb(req.method ?? 'GET', target.name !== undefined, watch);
  if (verb === undefined) return undefined;
  const agent = req.headers['user-agent'];
  return {
    verb,
    group: target.type.group,
    resource: target.type.plural,
    subresource: target.subresource,
    namespace: target.namespace,
    name: target.name,
    userAgent: typeof agent === 'string' ? agent : undefined,
    code,
  };
}

/** kube-apiserver's method-to-verb table (RequestInfoFactory), including watch of a single object by name. */
function rbacVerb(method: string, namesObject: boolean, watch: boolean): string | undefined {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return watch ? 'watch' : namesObject ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return namesObject ? 'delete' : 'deletecollection';
    default:
      return undefined;
  }
}
