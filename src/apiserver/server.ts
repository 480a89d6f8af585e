import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { type AuditSink, auditRecordOf } from './audit/audit-record.ts';
import { serverUrl, writeKubeconfig } from './auth/kubeconfig.ts';
import { allowsAnonymous, bearerTokenAuthenticator, ensureToken } from './auth/token.ts';
import { registerBuiltinTypes } from './builtins/index.ts';
import { type CrdController, startCrdController } from './crd/crd-controller.ts';
import { createDiscoveryHandler } from './discovery/discovery-handler.ts';
import { sendJson, sendStatus } from './discovery/respond.ts';
import { versionInfo } from './discovery/version-info.ts';
import { ApiError, errors } from './errors.ts';
import type { InternalClient } from './http/internal-client.ts';
import { createResourceHandler } from './http/resource-handler.ts';
import { createOpenApiHandler } from './openapi/openapi-handler.ts';
import { TypeRegistry } from './registry.ts';
import { createSchemaPipeline } from './schema/index.ts';
import { openSqliteStore } from './storage/sqlite-store.ts';
import type { Store } from './storage/store.ts';
import { ensureServingPki } from './tls/pki.ts';

export interface ControlPlaneOptions {
  /** Holds pki/, token, kubeconfig and store.db; created (0700) when missing. */
  dataDir: string;
  /** Bind address; loopback by default. The serving certificate also names it when it is not a wildcard. */
  host?: string;
  /** 0 picks a free port (tests). */
  port?: number;
  logger?: Logger;
  /** Watch events kept for resuming watches; older resourceVersions get 410 Gone. Tests make it tiny. */
  historyLimit?: number;
  /** Receives the RBAC attributes of every resource request once answered (tests compare them with RBAC rules). */
  audit?: AuditSink;
}

export interface ControlPlane {
  /** https://host:port, as written into the kubeconfig. */
  url: string;
  kubeconfigPath: string;
  token: string;
  caCertPem: string;
  registry: TypeRegistry;
  store: Store;
  /** The server's own write path (same validation and lifecycle as HTTP writes). */
  internal: InternalClient;
  /** Stops serving (open watches are cut), stops the CRD controller and closes the store. Idempotent. */
  close(): Promise<void>;
}

const HEALTH_BODY = 'ok';
/** kube-apiserver's request body limit (3 MiB). */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * Starts the embedded Kubernetes-compatible API server: HTTPS only, bearer-token auth, discovery and OpenAPI
 * derived from the TypeRegistry, CRDs served as they are created. Returns once it accepts connections and the
 * kubeconfig is written; types of already stored CRDs are registered before the first request is served.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? pino({ name: 'vmsnap-apiserver' });
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const pki = await ensureServingPki(join(options.dataDir, 'pki'), { extraHosts: bindNames(host) });
  const token = await ensureToken(join(options.dataDir, 'token'));

  const store = openSqliteStore({
    path: join(options.dataDir, 'store.db'),
    ...(options.historyLimit !== undefined ? { historyLimit: options.historyLimit } : {}),
  });
  const registry = new TypeRegistry();
  registerBuiltinTypes(registry);
  const clock = () => new Date();

  // The handler needs the CRD controller's pipelines and the controller needs the handler's write path:
  // bind late (the controller registers synchronously but writes status only after this function returns).
  let crds: CrdController | undefined;
  const resources = createResourceHandler({
    store,
    registry,
    pipelineFor: (type) => crds?.pipelineFor(type),
    clock,
    newUid: randomUUID,
    maxBodyBytes: MAX_BODY_BYTES,
  });
  const crdType = registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  if (!crdType) throw new Error('the CustomResourceDefinition type is not registered');
  crds = startCrdController({
    store,
    registry,
    createPipeline: (schema) => createSchemaPipeline(schema),
    writeStatus: (crd) => {
      resources.internal.updateStatus(crdType, crd, { fieldManager: 'vmsnap-apiextensions-controller' });
    },
    clock,
    logger: logger.child({ component: 'crd-controller' }),
  });

  let address = '';
  const server: Server = createServer(
    { cert: pki.certPem, key: pki.keyPem },
    requestListener({
      authenticate: bearerTokenAuthenticator(token),
      discovery: createDiscoveryHandler(registry, () => address),
      openapi: createOpenApiHandler(registry),
      resources,
      logger,
      ...(options.audit ? { audit: auditTo(options.audit, registry, logger) } : {}),
    }),
  );

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      crds?.stop();
      resources.close();
      if (!server.listening) {
        store.close();
        resolve();
        return;
      }
      server.close(() => {
        store.close();
        resolve();
      });
      // Watches never end on their own: cut them so close() does not wait for their timeouts.
      server.closeAllConnections();
    });
    return closing;
  };

  let url: string;
  const kubeconfigPath = join(options.dataDir, 'kubeconfig');
  try {
    const port = await listen(server, host, options.port ?? 6443);
    const clientHost = isWildcard(host) ? '127.0.0.1' : host;
    address = `${clientHost.includes(':') ? `[${clientHost}]` : clientHost}:${port}`;
    url = serverUrl(clientHost, port);
    await writeKubeconfig(kubeconfigPath, { server: url, caCertPem: pki.caCertPem, token });
  } catch (error) {
    // The store holds an exclusive lock on its file: release it so a retry (another port) can open it.
    await close();
    throw error;
  }
  logger.info({ url, kubeconfigPath }, 'control plane serving');

  return {
    url,
    kubeconfigPath,
    token,
    caCertPem: pki.caCertPem,
    registry,
    store,
    internal: resources.internal,
    close,
  };
}

interface FrontDoor {
  authenticate: (req: IncomingMessage) => boolean;
  discovery: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;
  openapi: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;
  resources: { handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> };
  logger: Logger;
  /** Called once per answered request (see ControlPlaneOptions.audit). */
  audit?: (req: IncomingMessage, code: number) => void;
}

function auditTo(sink: AuditSink, registry: TypeRegistry, logger: Logger) {
  return (req: IncomingMessage, code: number) => {
    try {
      const record = auditRecordOf(req, registry, code);
      if (record) sink(record);
    } catch (error) {
      logger.warn({ err: error }, 'audit sink failed');
    }
  };
}

/**
 * Every request's path through the server: health probes (anonymous), then the bearer token, then /version,
 * discovery, OpenAPI and finally resources. Any failure leaves as a metav1.Status; one that happens after a
 * streamed response began (a watch) can only cut the connection.
 */
function requestListener(door: FrontDoor): (req: IncomingMessage, res: ServerResponse) => void {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    if (allowsAnonymous(url.pathname)) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(HEALTH_BODY);
      return;
    }
    if (!door.authenticate(req)) throw errors.unauthorized();
    if (url.pathname === '/version') return sendJson(res, 200, versionInfo());
    if (door.discovery(req, res, url) || door.openapi(req, res, url)) return;
    if (await door.resources.handle(req, res, url)) return;
    throw errors.pathNotFound(url.pathname);
  };
  return (req, res) => {
    const started = performance.now();
    // 'close', not 'finish': a watch cut by the client or by close() never finishes, yet it was a request.
    if (door.audit) res.once('close', () => door.audit?.(req, res.statusCode));
    res.once('finish', () => {
      door.logger.debug(
        {
          method: req.method,
          url: req.url,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        'request',
      );
    });
    route(req, res).catch((error: unknown) => {
      if (!(error instanceof ApiError) || error.code >= 500) {
        door.logger.error({ err: error, method: req.method, url: req.url }, 'request failed');
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendStatus(res, error instanceof ApiError ? error : errors.internal(String(error)));
    });
  };
}

/** Resolves with the bound port (the chosen one when `port` is 0). */
function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** Extra certificate names for a non-loopback bind address (loopback names are always in the certificate). */
function bindNames(host: string): string[] {
  if (isWildcard(host) || host === '127.0.0.1' || host === '::1' || host === 'localhost') return [];
  return [host];
}
