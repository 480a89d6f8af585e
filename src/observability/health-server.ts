import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface HealthServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  /** Address to bind: 0.0.0.0 in a pod (the kubelet probes the pod IP), 127.0.0.1 elsewhere. */
  host: string;
  registry: Registry;
  /**
   * /readyz: true once this replica can do its job. With leader election a standby must be ready too (its
   * informers synced), or a rollout would wait forever for a replica that is not the leader.
   */
  readiness: () => boolean;
  /** /healthz: false restarts the pod. Default: always alive while the event loop answers. */
  liveness?: () => boolean;
  logger?: Logger;
}

export interface HealthServer {
  /** http://host:port */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves /metrics (Prometheus text), /healthz (liveness) and /readyz (readiness) over plain HTTP: the endpoints
 * carry no secrets, and the kubelet and Prometheus reach them inside the cluster network.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { registry, readiness, logger } = options;
  const liveness = options.liveness ?? (() => true);
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger?.error({ err: error, path: request.url }, 'health server request failed');
      if (!response.headersSent) reply(response, 500, 'internal error\n');
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      reply(response, 405, `method ${request.method} not allowed\n`);
      return;
    }
    switch (path) {
      case '/metrics': {
        const body = await registry.metrics();
        reply(response, 200, body, registry.contentType);
        return;
      }
      case '/healthz':
        if (check(liveness)) reply(response, 200, 'ok\n');
        else reply(response, 500, 'not alive\n');
        return;
      case '/readyz':
        if (check(readiness)) reply(response, 200, 'ok\n');
        else reply(response, 503, 'not ready\n');
        return;
      default:
        reply(response, 404, `no such endpoint: ${path} (try /metrics, /healthz or /readyz)\n`);
    }
  }

  function check(probe: () => boolean): boolean {
    try {
      return probe();
    } catch (error) {
      logger?.warn({ err: error }, 'health check threw; reporting failure');
      return false;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  logger?.info({ host: options.host, port }, 'serving /metrics, /healthz and /readyz');
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function reply(
  response: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
) {
  response.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
