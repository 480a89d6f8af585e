import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { expect } from 'vitest';
import { installCrd, kubeConfigFor } from '../support/client-node.ts';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { httpsRequest, type RawRequest } from '../support/https.ts';

export const GROUP = 'badinput.vmsnap.io';
export const VERSION = 'v1';
export const NAMESPACE = 'default';
export const GADGETS = `/apis/${GROUP}/${VERSION}/namespaces/${NAMESPACE}/gadgets`;

/** A small namespaced CRD with a status subresource and a schema with a required field. */
const GADGETS_CRD: V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `gadgets.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: { size: { type: 'integer', minimum: 1 }, color: { type: 'string' } },
              },
              status: { type: 'object', properties: { phase: { type: 'string' } } },
            },
          },
        },
      },
    ],
  },
};

export function gadget(name: string, size = 1): Record<string, unknown> {
  return { apiVersion: `${GROUP}/${VERSION}`, kind: 'Gadget', metadata: { name }, spec: { size } };
}

/** A pattern matching `text` and nothing else: for messages asserted to the letter. */
export function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** Decoded response JSON: tests index into it freely and assert on what they find. */
// biome-ignore lint/suspicious/noExplicitAny: test-side JSON of any shape
export type Json = any;

export interface Reply {
  status: number;
  contentType: string;
  body: Json;
  raw: string;
}

export interface SendOptions {
  method?: string;
  /** Sent as is when a string, JSON-encoded otherwise. */
  body?: unknown;
  contentType?: string;
  /** Defaults to the server's token; `null` sends no Authorization header. */
  token?: string | null;
}

/** What "the store is unchanged" is checked against: the revision, and the collection as a client lists it. */
export interface StoreSnapshot {
  revision: number;
  listResourceVersion: string;
  items: Array<{ name: string; resourceVersion: string; spec: unknown; status: unknown }>;
}

/**
 * A real control plane (HTTPS on 127.0.0.1, bearer token) with the Gadget CRD installed, talked to over raw HTTPS
 * that trusts only the CA from the server's data dir.
 */
export class BadInputServer {
  readonly cp: TestControlPlane;
  private readonly caCertPem: string;

  private constructor(cp: TestControlPlane, caCertPem: string) {
    this.cp = cp;
    this.caCertPem = caCertPem;
  }

  static async start(): Promise<BadInputServer> {
    const cp = await startTestControlPlane();
    try {
      await installCrd(kubeConfigFor(cp), GADGETS_CRD);
      const server = new BadInputServer(cp, await readFile(join(cp.dataDir, 'pki', 'ca.crt'), 'utf8'));
      // Seed objects so "unchanged" compares real items, not two empty lists.
      for (const name of ['seed-a', 'seed-b']) {
        const created = await server.send(GADGETS, { method: 'POST', body: gadget(name) });
        if (created.status !== 201)
          throw new Error(`seeding ${name} answered ${created.status}: ${created.raw}`);
      }
      return server;
    } catch (error) {
      await cp.stop();
      throw error;
    }
  }

  stop(): Promise<void> {
    return this.cp.stop();
  }

  async send(path: string, options: SendOptions = {}): Promise<Reply> {
    const token = options.token === undefined ? this.cp.token : options.token;
    const request: RawRequest = { method: options.method ?? 'GET', headers: {} };
    if (token !== null) request.token = token;
    if (options.body !== undefined) {
      request.body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      request.headers = {
        'Content-Type': options.contentType ?? 'application/json',
        // node:https sends a DELETE body without framing unless told its length: the server would never see it.
        'Content-Length': String(Buffer.byteLength(request.body)),
      };
    }
    const res = await httpsRequest({ url: this.cp.url, caCertPem: this.caCertPem }, path, request);
    return replyOf(res.status, res.headers['content-type'], res.body);
  }

  /**
   * POST with `Transfer-Encoding: chunked` (no Content-Length), one write per chunk: the server cannot refuse it by
   * its declared length and has to count while reading. A server that answers early may reset the upload; the
   * answer still arrives first.
   */
  sendChunked(path: string, chunks: readonly string[]): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.cp.url),
        {
          method: 'POST',
          ca: this.caCertPem,
          headers: { Authorization: `Bearer ${this.cp.token}`, 'Content-Type': 'application/json' },
        },
        (res) => {
          let raw = '';
          res.setEncoding('utf8');
          res.on('data', (text: string) => {
            raw += text;
          });
          res.on('end', () => resolve(replyOf(res.statusCode ?? 0, res.headers['content-type'], raw)));
          res.on('error', reject);
        },
      );
      // Once the server has answered it may close the connection mid-upload: only a close without an answer fails.
      let answered = false;
      req.on('response', () => {
        answered = true;
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (!answered && error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
      });
      req.on('close', () => {
        if (!answered) reject(new Error(`${path}: the connection closed before the server answered`));
      });
      req.setHeader('Transfer-Encoding', 'chunked');
      const writeFrom = (index: number) => {
        if (index === chunks.length) {
          req.end();
          return;
        }
        if (req.destroyed) return;
        if (req.write(chunks[index]!)) writeFrom(index + 1);
        else req.once('drain', () => writeFrom(index + 1));
      };
      writeFrom(0);
    });
  }

  /** The store's revision and the Gadget collection as listed over HTTPS. */
  async snapshot(): Promise<StoreSnapshot> {
    const revision = this.cp.store.currentRevision();
    const list = await this.send(GADGETS);
    if (list.status !== 200) throw new Error(`listing gadgets answered ${list.status}: ${list.raw}`);
    return {
      revision,
      listResourceVersion: list.body.metadata.resourceVersion,
      items: list.body.items.map((item: Json) => ({
        name: item.metadata.name,
        resourceVersion: item.metadata.resourceVersion,
        spec: item.spec,
        status: item.status,
      })),
    };
  }

  /**
   * Runs `request` and asserts it was refused with a Kubernetes Status of `code`/`reason` whose message matches
   * `message`, and that nothing was stored. Returns the Status for further assertions.
   */
  async expectRefused(
    request: () => Promise<Reply>,
    expected: { code: number; reason: string; message: RegExp },
  ): Promise<Json> {
    const before = await this.snapshot();
    const reply = await request();
    expect(reply.contentType).toMatch(/^application\/json/);
    expect(reply.body, `a Status body, got: ${reply.raw}`).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: expected.code,
      reason: expected.reason,
    });
    expect(reply.status).toBe(expected.code);
    expect(reply.body.message).toMatch(expected.message);
    expect(await this.snapshot()).toEqual(before);
    return reply.body;
  }
}

function replyOf(status: number, contentType: string | string[] | undefined, raw: string): Reply {
  let body: Json;
  try {
    body = JSON.parse(raw);
  } catch {
    body = undefined;
  }
  return { status, contentType: String(contentType ?? ''), body, raw };
}
