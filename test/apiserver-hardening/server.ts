// The bad-input server (Gadget CRD, seeded objects, "store unchanged" snapshots) plus a Blob CRD whose spec keeps
// unknown fields, so deep and large values reach storage instead of being pruned.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { BadInputServer, GROUP, NAMESPACE, type Reply, VERSION } from '../apiserver-bad-input/server.ts';
import { eventually } from '../support/client-node.ts';
import { httpsRequest, type RawResponse } from '../support/https.ts';

export { GADGETS, GROUP, gadget, VERSION } from '../apiserver-bad-input/server.ts';

export const BLOBS = `/apis/${GROUP}/${VERSION}/namespaces/${NAMESPACE}/blobs`;

// Raw JSON: client-node's typed CRD model would drop `x-kubernetes-preserve-unknown-fields`.
const BLOBS_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `blobs.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: 'blobs', singular: 'blob', kind: 'Blob', listKind: 'BlobList' },
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        },
      },
    ],
  },
};

export function blob(name: string, spec: unknown): Record<string, unknown> {
  return { apiVersion: `${GROUP}/${VERSION}`, kind: 'Blob', metadata: { name }, spec };
}

/** `{"a":{"a":...1}}` with `depth` objects. */
export function nestedObject(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

export class HardeningServer {
  readonly server: BadInputServer;
  private readonly caCertPem: string;

  private constructor(server: BadInputServer, caCertPem: string) {
    this.server = server;
    this.caCertPem = caCertPem;
  }

  static async start(): Promise<HardeningServer> {
    const server = await BadInputServer.start();
    try {
      const crd = await server.send('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
        method: 'POST',
        body: BLOBS_CRD,
      });
      if (crd.status !== 201) throw new Error(`creating the Blob CRD answered ${crd.status}: ${crd.raw}`);
      // The CRD controller registers the type inside the CRD's store event, so this is quick.
      await eventually(async () => (await server.send(BLOBS)).status === 200, 'blobs to be served');
      const ca = await readFile(join(server.cp.dataDir, 'pki', 'ca.crt'), 'utf8');
      return new HardeningServer(server, ca);
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  send: BadInputServer['send'] = (path, options) => this.server.send(path, options);

  /** The request is refused with this Status and nothing in the store changed (its revision included). */
  expectRefused(
    request: () => Promise<Reply>,
    expected: { code: number; reason: string; message: RegExp },
  ): ReturnType<BadInputServer['expectRefused']> {
    return this.server.expectRefused(request, expected);
  }

  /** A raw request that also returns the response headers (Warning). */
  raw(path: string, method: string, body: string, contentType = 'application/json'): Promise<RawResponse> {
    return httpsRequest({ url: this.server.cp.url, caCertPem: this.caCertPem }, path, {
      method,
      token: this.server.cp.token,
      headers: { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(body)) },
      body,
    });
  }

  /** Asserts a 2xx answer and returns its body. */
  async expectOk(request: Promise<Reply>): Promise<Reply['body']> {
    const reply = await request;
    expect(reply.status, reply.raw.slice(0, 500)).toBeLessThan(300);
    return reply.body;
  }
}
