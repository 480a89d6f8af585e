import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerBuiltinTypes } from '../../src/apiserver/builtins/index.ts';
import { createResourceHandler, type ResourceHandler } from '../../src/apiserver/http/resource-handler.ts';
import { TypeRegistry } from '../../src/apiserver/registry.ts';
import type { SchemaPipeline } from '../../src/apiserver/schema/pipeline.ts';
import { openSqliteStore } from '../../src/apiserver/storage/sqlite-store.ts';
import type { Store } from '../../src/apiserver/storage/store.ts';
import type { ResourceType } from '../../src/apiserver/types.ts';

/** Decoded response JSON: tests index into it freely and assert on what they find. */
// biome-ignore lint/suspicious/noExplicitAny: test-side JSON of any shape
export type Json = any;

/** A listed object, for mapping lists to names. */
export interface Named {
  metadata: { name: string; namespace?: string };
}

export interface Harness {
  url: string;
  store: Store;
  registry: TypeRegistry;
  handler: ResourceHandler;
  /** The handler's clock: tests move it to make ages deterministic. */
  now: { value: Date };
  close(): Promise<void>;
}

export interface HarnessOptions {
  types?: ResourceType[];
  pipelineFor?: (type: ResourceType) => SchemaPipeline | undefined;
  historyLimit?: number;
  maxBodyBytes?: number;
  watchKeepAliveMs?: number;
  watchBookmarkMs?: number;
  /** Writes straight to the store before the handler starts (state left by an earlier run). */
  seed?: (store: Store) => void;
}

/** The resource handler behind a real node:http server on 127.0.0.1 with a real (in-memory SQLite) store. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const store = openSqliteStore({ path: ':memory:', historyLimit: options.historyLimit ?? 1000 });
  const registry = new TypeRegistry();
  registerBuiltinTypes(registry);
  for (const type of options.types ?? []) registry.add(type);
  options.seed?.(store);
  const now = { value: new Date() };
  const handler = createResourceHandler({
    store,
    registry,
    pipelineFor: options.pipelineFor ?? (() => undefined),
    clock: () => now.value,
    newUid: randomUUID,
    maxBodyBytes: options.maxBodyBytes ?? 3 * 1024 * 1024,
    watchKeepAliveMs: options.watchKeepAliveMs ?? 10_000,
    watchBookmarkMs: options.watchBookmarkMs ?? 10_000,
  });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    handler.handle(req, res, url).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    registry,
    handler,
    now,
    async close() {
      handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
    },
  };
}

/** fetch with a JSON body (or raw string) and the response decoded. */
export async function call(
  h: Harness,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${h.url}${path}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}

export interface WatchEvent {
  type: string;
  object: Json;
}

/** An open watch: events as they arrive, and whether the server ended the stream. */
export interface OpenWatch {
  events: WatchEvent[];
  /** Raw lines, including bare keep-alive newlines (as empty strings). */
  lines: string[];
  ended: Promise<void>;
  isEnded(): boolean;
  waitFor(predicate: (events: WatchEvent[]) => boolean, timeoutMs?: number): Promise<WatchEvent[]>;
  close(): void;
}

export async function openWatch(
  h: Harness,
  path: string,
  headers: Record<string, string> = {},
): Promise<OpenWatch> {
  const controller = new AbortController();
  const res = await fetch(`${h.url}${path}`, { signal: controller.signal, headers });
  if (res.status !== 200) throw new Error(`watch answered ${res.status}: ${await res.text()}`);
  const events: WatchEvent[] = [];
  const lines: string[] = [];
  let ended = false;
  const listeners = new Set<() => void>();
  const endedPromise = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          lines.push(line);
          if (line.trim() !== '') events.push(JSON.parse(line));
          newline = buffer.indexOf('\n');
        }
        for (const listener of listeners) listener();
      }
    } catch {
      // aborted by close()
    }
    ended = true;
    for (const listener of listeners) listener();
  })();
  return {
    events,
    lines,
    ended: endedPromise,
    isEnded: () => ended,
    waitFor(predicate, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(events)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(events);
          } else if (ended) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(
              new Error(
                `watch ended before the expected events: ${JSON.stringify(events.map((e) => e.type))}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `timed out waiting for watch events; got ${JSON.stringify(events.map((e) => [e.type, e.object?.metadata?.name]))}`,
            ),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}

/** A namespaced custom type with a status subresource and printer columns (no schema unless a pipeline is given). */
export function widgetType(overrides: Partial<ResourceType> = {}): ResourceType {
  return {
    group: 'example.com',
    version: 'v1',
    kind: 'Widget',
    listKind: 'WidgetList',
    plural: 'widgets',
    singular: 'widget',
    shortNames: ['wd'],
    categories: [],
    namespaced: true,
    hasStatus: true,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    printerColumns: [
      { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      { name: 'Color', type: 'string', jsonPath: '.spec.color', priority: 1 },
    ],
    selectableFields: ['spec.color'],
    custom: true,
    ...overrides,
  };
}

export function widget(
  name: string,
  spec: Record<string, unknown> = { size: 1 },
  extra: { metadata?: Record<string, unknown>; [field: string]: unknown } = {},
) {
  const { metadata, ...rest } = extra;
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, ...metadata }, spec, ...rest };
}

export const WIDGETS = '/apis/example.com/v1/namespaces/default/widgets';
