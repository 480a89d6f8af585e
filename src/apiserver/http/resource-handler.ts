import type { IncomingMessage, ServerResponse } from 'node:http';
import { startGarbageCollector } from '../gc/index.ts';
import type { TypeRegistry } from '../registry.ts';
import type { SchemaPipeline } from '../schema/pipeline.ts';
import type { Store } from '../storage/store.ts';
import type { ResourceType } from '../types.ts';
import type { InternalClient } from './internal-client.ts';
import { createInternalClient, ensureSystemNamespaces } from './internal-client-impl.ts';
import { parseResourcePath, type ResourceTarget } from './request-target.ts';
import { ResourceService } from './resource-service.ts';
import { ResourceVerbs } from './resource-verbs.ts';
import { writeError } from './responses.ts';
import { storageOf } from './storage-forms.ts';

export type { InternalClient } from './internal-client.ts';

export interface ResourceHandlerDeps {
  store: Store;
  registry: TypeRegistry;
  pipelineFor(type: ResourceType): SchemaPipeline | undefined; // undefined for built-ins without a schema
  clock: () => Date; // injected for tests
  newUid: () => string; // crypto.randomUUID by default
  maxBodyBytes: number; // 3 MiB like kube
  /** Newline keep-alive on idle watches (default 10 s; client-node gives up after 30 s of silence). */
  watchKeepAliveMs?: number;
  /** BOOKMARK interval for watches with allowWatchBookmarks=true (default 10 s). */
  watchBookmarkMs?: number;
}

export interface ResourceHandler {
  /** Handles /api/v1/... and /apis/{g}/{v}/... resource paths; returns false if the path is not a resource path. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** Writes done by the server itself (the CRD controller's status updates, GC) go through the same code paths. */
  internal: InternalClient;
  /** Stops the garbage collector and ends open watch streams (call before closing the store). */
  close(): void;
}

// kube-apiserver ends watches after a randomised 30-60 minutes; informers simply re-watch.
const WATCH_DEFAULT_TIMEOUT_SECONDS = 1800;

/**
 * The resource half of the API server: every verb on every registered type, plus the garbage collector and
 * namespace controller that run over the same store. Creates the `default`, `kube-system` and `kube-public`
 * namespaces when missing, as kube-apiserver does, so register the built-in types first.
 */
export function createResourceHandler(deps: ResourceHandlerDeps): ResourceHandler {
  const service = new ResourceService({
    ...deps,
    storageResources: () => new Set(deps.registry.all().map(storageOf)),
  });
  const internal = createInternalClient(service);
  ensureSystemNamespaces(internal, deps.registry);
  const gc = startGarbageCollector({ service, registry: deps.registry, internal, clock: deps.clock });
  const verbs = new ResourceVerbs(service, deps.maxBodyBytes, {
    keepAliveMs: deps.watchKeepAliveMs ?? 10_000,
    bookmarkMs: deps.watchBookmarkMs ?? 10_000,
    defaultTimeoutSeconds: WATCH_DEFAULT_TIMEOUT_SECONDS,
    clock: deps.clock,
  });

  return {
    async handle(req, res, url) {
      let target: ResourceTarget | undefined;
      try {
        target = parseResourcePath(url.pathname, deps.registry);
        if (!target) return false;
        await verbs.serve(req, res, url, target);
      } catch (error) {
        writeError(res, error);
      }
      return true;
    },
    internal,
    close() {
      gc.stop();
      verbs.stopWatches();
    },
  };
}

export { registerBuiltinTypes } from '../builtins/index.ts';
