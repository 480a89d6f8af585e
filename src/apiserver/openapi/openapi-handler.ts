import type { IncomingMessage, ServerResponse } from 'node:http';
import { servedGroups } from '../discovery/group-versions.ts';
import { sendJson, sendStatus } from '../discovery/respond.ts';
import { errors } from '../errors.ts';
import type { TypeRegistry } from '../registry.ts';
import { buildDocuments, type GroupVersionDocument, rootDocument } from './documents.ts';

/**
 * Serves `/openapi/v3` and `/openapi/v3/{api/v1|apis/g/v}` from the TypeRegistry, rebuilt lazily after a registry
 * change. `/openapi/v2` answers 404: kubectl 1.29+ then uses v3 (and 1.27-28 need v2 protobuf, not offered).
 */
export function createOpenApiHandler(registry: TypeRegistry) {
  let cached: { version: number; documents: Map<string, GroupVersionDocument> } | undefined;
  const documents = (): Map<string, GroupVersionDocument> => {
    if (cached?.version !== registry.version()) {
      cached = { version: registry.version(), documents: buildDocuments(servedGroups(registry.all())) };
    }
    return cached.documents;
  };

  /** Returns false for paths outside /openapi. */
  return function handleOpenApi(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const path = url.pathname.replace(/\/+$/, '');
    if (path !== '/openapi' && !path.startsWith('/openapi/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendStatus(res, errors.methodNotAllowed(req.method ?? ''));
      return true;
    }
    if (path === '/openapi/v3') {
      sendJson(res, 200, rootDocument(documents()));
      return true;
    }
    const doc = path.startsWith('/openapi/v3/')
      ? documents().get(path.slice('/openapi/v3/'.length))
      : undefined;
    if (!doc) {
      sendStatus(res, errors.pathNotFound(url.pathname));
      return true;
    }
    // A request carrying the current hash may be cached for good: the URL changes with the content.
    const immutable = url.searchParams.get('hash') === doc.hash;
    sendJson(res, 200, doc.body, 'application/json', {
      ETag: `"${doc.hash}"`,
      'Cache-Control': immutable ? 'public, immutable' : 'no-cache, private',
    });
    return true;
  };
}
