import type { ServerResponse } from 'node:http';
import { ApiError, errors } from '../errors.ts';
import type { StoreEvent } from '../storage/store.ts';
import { apiVersionOf, type KubeObject, type ResourceType } from '../types.ts';
import type { ObjectFilter } from './object-filter.ts';
import { partialObject } from './partial-metadata.ts';
import type { ResourceService } from './resource-service.ts';
import { storageOf } from './storage-forms.ts';
import { type TableOptions, toTable } from './table/table.ts';

export interface WatchRequest {
  type: ResourceType;
  namespace: string | undefined;
  filter: ObjectFilter;
  /** undefined, '' or '0': start with ADDED for every current object; otherwise resume after this revision. */
  resourceVersion: string | undefined;
  timeoutSeconds: number | undefined;
  allowBookmarks: boolean;
  /**
   * `sendInitialEvents=true` (client-go's watch-list): ADDED for every current object, then a BOOKMARK annotated
   * `k8s.io/initial-events-end` at the list's revision, then live events.
   */
  sendInitialEvents: boolean;
  /** Set when the client asked for Tables: every event's object is then a one-row Table. */
  table: TableOptions | undefined;
  /** Set (to the meta.k8s.io apiVersion) when the client asked for PartialObjectMetadata. */
  metadataOnly?: string | undefined;
}

export interface WatchTiming {
  /** A bare newline after this much silence: client-node treats 30 s of silence as a dead connection. */
  keepAliveMs: number;
  /** How often BOOKMARK events go out when the client allows them. */
  bookmarkMs: number;
  /** Server-side cap when the client gives no timeoutSeconds (kube: a randomised 30-60 min). */
  defaultTimeoutSeconds: number;
  clock: () => Date;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/**
 * Streams newline-delimited watch events until the timeout, the client going away, or `stop()`. Headers are
 * flushed at once (client-node's watch only resolves once they arrive). Events come from the store's watch,
 * which replays retained history after `resourceVersion` and then delivers live changes in revision order; a
 * resourceVersion older than that history ends the stream with an ERROR event carrying a 410 Expired Status,
 * which is what makes informers relist.
 *
 * Selectors follow kube's rules: a MODIFIED object that stops matching is sent as DELETED, one that starts
 * matching as ADDED.
 */
export function serveWatch(
  res: ServerResponse,
  service: ResourceService,
  request: WatchRequest,
  timing: WatchTiming,
): { stop(): void } {
  const { type, filter } = request;
  const store = service.store;
  let stopWatch: (() => void) | undefined;
  let lastWrite = Date.now();
  let lastBookmark = Date.now();
  let closed = false;

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();

  const write = (text: string) => {
    if (closed) return;
    lastWrite = Date.now();
    res.write(text);
  };
  const send = (eventType: EventType, object: unknown) =>
    write(`${JSON.stringify({ type: eventType, object })}\n`);
  const sendObject = (eventType: EventType, object: KubeObject) => {
    if (request.metadataOnly) return send(eventType, partialObject(object, request.metadataOnly));
    if (!request.table) return send(eventType, object);
    send(eventType, toTable(type, [object], object.metadata.resourceVersion, request.table, timing.clock()));
  };

  const stop = () => {
    if (closed) return;
    closed = true;
    stopWatch?.();
    clearInterval(ticker);
    clearTimeout(deadline);
    res.end();
  };

  const onEvent = (event: StoreEvent) => {
    const object = service.toApi(type, event.object);
    const matches = filter.matches(object);
    if (event.type !== 'MODIFIED') {
      if (matches) sendObject(event.type, object);
      return;
    }
    const matched = event.previous ? filter.matches(service.toApi(type, event.previous)) : true;
    if (matches && matched) sendObject('MODIFIED', object);
    else if (matches) sendObject('ADDED', object);
    else if (matched) sendObject('DELETED', object);
  };

  const bookmark = () => {
    lastBookmark = Date.now();
    const resourceVersion = String(store.currentRevision());
    if (request.table) {
      send('BOOKMARK', {
        kind: 'Table',
        apiVersion: request.table.apiVersion,
        metadata: { resourceVersion },
        columnDefinitions: [],
        rows: [],
      });
    } else {
      send('BOOKMARK', { kind: type.kind, apiVersion: apiVersionOf(type), metadata: { resourceVersion } });
    }
  };

  const initialEventsEnd = (revision: number) => {
    send('BOOKMARK', {
      kind: type.kind,
      apiVersion: apiVersionOf(type),
      metadata: { resourceVersion: String(revision), annotations: { 'k8s.io/initial-events-end': 'true' } },
    });
  };

  const ticker = setInterval(
    () => {
      const now = Date.now();
      if (request.allowBookmarks && now - lastBookmark >= timing.bookmarkMs) bookmark();
      else if (now - lastWrite >= timing.keepAliveMs) write('\n');
    },
    Math.min(timing.keepAliveMs, request.allowBookmarks ? timing.bookmarkMs : timing.keepAliveMs),
  );
  // timeoutSeconds=0 means "no client limit", as in kube: the server's own cap applies.
  const timeoutSeconds = request.timeoutSeconds || timing.defaultTimeoutSeconds;
  const deadline = setTimeout(stop, timeoutSeconds * 1000);
  res.on('close', stop);

  try {
    const namespace = type.namespaced ? request.namespace : undefined;
    let from: number;
    const rv = request.resourceVersion;
    if (request.sendInitialEvents || rv === undefined || rv === '' || rv === '0') {
      const listed = service.list(type, namespace);
      for (const item of listed.items) if (filter.matches(item)) sendObject('ADDED', item);
      from = listed.revision;
      if (request.sendInitialEvents) initialEventsEnd(listed.revision);
    } else {
      from = parseRevision(rv);
    }
    stopWatch = store.watch(storageOf(type), namespace, from, onEvent);
  } catch (error) {
    const status = (error instanceof ApiError ? error : errors.internal(String(error))).toStatus();
    send('ERROR', status);
    stop();
  }
  return { stop };
}

/** A resourceVersion query value as a store revision; 400 for anything that is not one. */
export function parseRevision(text: string): number {
  const revision = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(revision))
    throw errors.badRequest(`resourceVersion: Invalid value: "${text}": must be a non-negative integer`);
  return revision;
}
