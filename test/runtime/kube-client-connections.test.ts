// KubeClient keeps its connections to the API server alive and reuses them: client-node 2.0.1 alone opens a new
// TLS connection for every request (src/runtime/pooled-connections.ts), which cost the operator a fifth of its CPU
// at scale. Counted at a TCP relay in front of the real embedded API server.
import { createConnection, createServer, type Server } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/runtime/kube-client.ts';
import { type ApiServerEnv, startApiServerEnv } from './api-server-env.ts';
import { WIDGETS, widget } from './fixtures/widget-crd.ts';

describe('KubeClient connections', () => {
  let env: ApiServerEnv;
  let relay: Server;
  let connections = 0;
  let relayUrl = '';

  beforeAll(async () => {
    env = await startApiServerEnv();
    const target = new URL(env.controlPlane.url);
    relay = createServer((client) => {
      connections++;
      const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const address = relay.address();
    if (address === null || typeof address === 'string') throw new Error('relay has no TCP address');
    relayUrl = `https://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    relay?.close();
    await env?.stop();
  });

  it('sends many sequential requests over one kept-alive connection', async () => {
    const viaRelay = new KubeConfig();
    viaRelay.loadFromOptions({
      clusters: env.kubeConfig.clusters.map((c) => ({ ...c, server: relayUrl })),
      users: env.kubeConfig.users,
      contexts: env.kubeConfig.contexts,
      currentContext: env.kubeConfig.getCurrentContext(),
    });
    const client = new KubeClient(viaRelay, { fieldManager: 'connections-test' });
    await client.create(WIDGETS, widget('pooled', 1));
    for (let i = 0; i < 20; i++) {
      await client.get(WIDGETS, { namespace: 'default', name: 'pooled' });
    }
    await client.patchStatus(
      WIDGETS,
      { namespace: 'default', name: 'pooled' },
      {
        type: 'merge',
        body: { status: { seen: 21 } },
      },
    );
    // 22 requests; a new connection per request (client-node's default) would be 22.
    expect(connections).toBeLessThanOrEqual(2);
  });
});
