import { afterEach, describe, expect, it } from 'vitest';
import { type HealthServer, startHealthServer } from '../../src/observability/health-server.ts';
import { OperatorMetrics } from '../../src/observability/metrics.ts';

const servers: HealthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('health server', () => {
  it('answers /readyz from the readiness check and /healthz from liveness', async () => {
    let ready = false;
    let alive = true;
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      registry: new OperatorMetrics({ processMetrics: false }).registry,
      readiness: () => ready,
      liveness: () => alive,
    });
    servers.push(server);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    ready = true;
    const readyz = await fetch(`${server.url}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.text()).toBe('ok\n');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    alive = false;
    expect((await fetch(`${server.url}/healthz`)).status).toBe(500);
  });

  it('treats a check that throws as failing', async () => {
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      registry: new OperatorMetrics({ processMetrics: false }).registry,
      readiness: () => {
        throw new Error('informer gone');
      },
    });
    servers.push(server);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
  });

  it('serves Prometheus text with process metrics, and names the endpoints on a wrong path or method', async () => {
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      registry: new OperatorMetrics().registry,
      readiness: () => true,
    });
    servers.push(server);
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await metrics.text()).toMatch(/^process_cpu_user_seconds_total \d/m);
    const missing = await fetch(`${server.url}/metrics/extra`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toMatch(/try \/metrics, \/healthz or \/readyz/);
    const post = await fetch(`${server.url}/readyz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});
