import type { IncomingMessage, ServerResponse } from 'node:http';
import { behaviorFor } from '../builtins/index.ts';
import { errors } from '../errors.ts';
import { apiVersionOf, type KubeObject, type ResourceType } from '../types.ts';
import { checkCustomBodyTypeMeta } from '../unstructured-type-meta.ts';
import { negotiate, type ResponseFormat } from './content-negotiation.ts';
import { findDuplicateFields } from './duplicate-fields.ts';
import { filterFromQuery } from './object-filter.ts';
import { partialList, partialObject } from './partial-metadata.ts';
import { bodyFormatOf, decodeBody, mediaType, readBody, requireObjectBody } from './request-body.ts';
import {
  booleanParam,
  deleteOptionsOf,
  dryRunOf,
  fieldManagerOf,
  fieldValidationOf,
} from './request-options.ts';
import type { ResourceTarget } from './request-target.ts';
import { verbOf } from './request-verb.ts';
import type { ResourceService, WriteOutcome, WriteRequest } from './resource-service.ts';
import { writeObject } from './responses.ts';
import { type IncludeObject, type TableOptions, toTable } from './table/table.ts';
import { parseRevision, serveWatch, type WatchTiming } from './watch-stream.ts';

/** One resource request, decoded from the URL and headers. */
interface Request {
  req: IncomingMessage;
  res: ServerResponse;
  target: ResourceTarget;
  query: URLSearchParams;
}

/** Serves the eight Kubernetes verbs over the ResourceService; owns the open watch streams. */
export class ResourceVerbs {
  readonly #service: ResourceService;
  readonly #maxBodyBytes: number;
  readonly #timing: WatchTiming;
  readonly #streams = new Set<{ stop(): void }>();

  constructor(service: ResourceService, maxBodyBytes: number, timing: WatchTiming) {
    this.#service = service;
    this.#maxBodyBytes = maxBodyBytes;
    this.#timing = timing;
  }

  async serve(req: IncomingMessage, res: ServerResponse, url: URL, target: ResourceTarget): Promise<void> {
    const { type, subresource } = target;
    if (subresource !== undefined && (subresource !== 'status' || !type.hasStatus))
      throw errors.pathNotFound(url.pathname);
    const query = url.searchParams;
    const request: Request = { req, res, target, query };
    switch (verbOf(req.method ?? 'GET', target, target.watchPath || booleanParam(query, 'watch'))) {
      case 'get':
        return this.#get(request);
      case 'list':
        return this.#list(request);
      case 'watch':
        return this.#watch(request);
      case 'create':
        return this.#create(request);
      case 'update':
        return this.#update(request);
      case 'patch':
        return this.#patch(request);
      case 'delete':
        return this.#delete(request);
      case 'deletecollection':
        return this.#deleteCollection(request);
    }
  }

  stopWatches(): void {
    for (const stream of this.#streams) stream.stop();
    this.#streams.clear();
  }

  #get({ req, res, target, query }: Request): void {
    const format = negotiate(req.headers.accept, true);
    const object = this.#service.get(target.type, target.namespace, target.name ?? '');
    if (format.kind === 'metadata') {
      writeObject(res, 200, partialObject(object, format.apiVersion));
      return;
    }
    if (format.kind !== 'table') {
      writeObject(res, 200, object, format.kind);
      return;
    }
    const table = toTable(
      target.type,
      [object],
      object.metadata.resourceVersion,
      tableOptions(query, format),
      this.#timing.clock(),
    );
    writeObject(res, 200, table);
  }

  #list({ req, res, target, query }: Request): void {
    const { type } = target;
    const format = negotiate(req.headers.accept, true);
    const filter = filterFromQuery(query, type);
    // Lists are always served from the latest state, but an unparsable resourceVersion is a 400 as for a watch.
    const resourceVersion = query.get('resourceVersion');
    if (resourceVersion) parseRevision(resourceVersion);
    const result = this.#service.list(type, target.namespace);
    const items = result.items.filter((item) => filter.matches(item));
    const listVersion = String(result.revision);
    if (format.kind === 'table') {
      writeObject(
        res,
        200,
        toTable(type, items, listVersion, tableOptions(query, format), this.#timing.clock()),
      );
      return;
    }
    if (format.kind === 'metadata') {
      writeObject(res, 200, partialList(items, listVersion, format.apiVersion));
      return;
    }
    const list = {
      kind: type.listKind,
      apiVersion: apiVersionOf(type),
      metadata: { resourceVersion: listVersion },
      items,
    };
    writeObject(res, 200, list, format.kind);
  }

  #watch({ req, res, target, query }: Request): void {
    const format = negotiate(req.headers.accept, true);
    const resourceVersion = query.get('resourceVersion') ?? undefined;
    // Checked before the stream starts so a bad value is a plain 400, not an ERROR event.
    if (resourceVersion && resourceVersion !== '0') parseRevision(resourceVersion);
    const timeout = query.get('timeoutSeconds');
    const timeoutSeconds = timeout === null || timeout === '' ? undefined : Number(timeout);
    if (timeoutSeconds !== undefined && !(timeoutSeconds >= 0))
      throw errors.badRequest(`timeoutSeconds: Invalid value: "${timeout}": must be a non-negative integer`);
    const stream = serveWatch(
      res,
      this.#service,
      {
        type: target.type,
        namespace: target.namespace,
        filter: filterFromQuery(query, target.type, target.name),
        resourceVersion,
        timeoutSeconds,
        allowBookmarks: booleanParam(query, 'allowWatchBookmarks'),
        sendInitialEvents: booleanParam(query, 'sendInitialEvents'),
        table: format.kind === 'table' ? tableOptions(query, format) : undefined,
        metadataOnly: format.kind === 'metadata' ? format.apiVersion : undefined,
      },
      this.#timing,
    );
    this.#streams.add(stream);
    res.on('close', () => this.#streams.delete(stream));
  }

  async #create({ req, res, target, query }: Request): Promise<void> {
    const format = negotiate(req.headers.accept, false);
    const request = writeRequest(req, target, query);
    const body = await this.#objectBody(req, request, target.type);
    respondWrite(res, this.#service.create(target.type, target.namespace, body, request), format);
  }

  async #update({ req, res, target, query }: Request): Promise<void> {
    const format = negotiate(req.headers.accept, false);
    const request = writeRequest(req, target, query);
    const body = await this.#objectBody(req, request, target.type);
    const outcome = this.#service.update(target.type, target.namespace, target.name ?? '', body, request);
    respondWrite(res, outcome, format);
  }

  async #patch({ req, res, target, query }: Request): Promise<void> {
    const format = negotiate(req.headers.accept, false);
    const body = await readBody(req, this.#maxBodyBytes);
    const contentType = req.headers['content-type'];
    const request = { ...writeRequest(req, target, query), force: booleanParam(query, 'force') };
    // Apply patches need an explicit fieldManager (kube answers 422 without one); others default to the User-Agent.
    if (mediaType(contentType) === 'application/apply-patch+yaml')
      request.fieldManager = query.get('fieldManager') ?? '';
    const outcome = this.#service.patch(
      target.type,
      target.namespace,
      target.name ?? '',
      contentType,
      body,
      request,
    );
    respondWrite(res, outcome, format);
  }

  async #delete({ req, res, target, query }: Request): Promise<void> {
    const format = negotiate(req.headers.accept, false);
    const options = deleteOptionsOf(await this.#optionalBody(req), query);
    const outcome = this.#service.delete(
      target.type,
      target.namespace,
      target.name ?? '',
      options,
      dryRunOf(query),
    );
    const deletedBuiltin = outcome.deleted && !behaviorFor(target.type).deleteReturnsObject;
    if (deletedBuiltin) writeObject(res, 200, successStatus(target.type, outcome.object));
    else writeObject(res, 200, outcome.object, plain(format));
  }

  async #deleteCollection({ req, res, target, query }: Request): Promise<void> {
    const { type } = target;
    const options = deleteOptionsOf(await this.#optionalBody(req), query);
    const dryRun = dryRunOf(query);
    const filter = filterFromQuery(query, type);
    const items: KubeObject[] = [];
    for (const item of this.#service.list(type, target.namespace).items) {
      if (!filter.matches(item)) continue;
      items.push(
        this.#service.delete(type, item.metadata.namespace, item.metadata.name ?? '', options, dryRun).object,
      );
    }
    writeObject(res, 200, { kind: type.listKind, apiVersion: apiVersionOf(type), metadata: {}, items });
  }

  /**
   * A create/update body, refused as kube's decoder refuses it (a custom resource without kind or apiVersion
   * included); records its duplicate fields in `request` when fieldValidation reports them.
   */
  async #objectBody(
    req: IncomingMessage,
    request: WriteRequest,
    type: ResourceType,
  ): Promise<Record<string, unknown>> {
    const raw = await readBody(req, this.#maxBodyBytes);
    const format = bodyFormatOf(req.headers['content-type']);
    const body = requireObjectBody(decodeBody(raw, format));
    checkCustomBodyTypeMeta(body, raw, format, type, request.fieldValidation);
    // Only JSON gets past its decoder with duplicate keys (js-yaml refuses them); the scan costs a pass, so
    // it runs only when the answer is used.
    if (format === 'json' && request.fieldValidation !== 'Ignore')
      request.duplicateFields = findDuplicateFields(raw.toString('utf8'));
    return body;
  }

  /** DeleteOptions may come as a body (kubectl) or not at all (curl). */
  async #optionalBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
    const raw = await readBody(req, this.#maxBodyBytes);
    if (raw.length === 0) return undefined;
    return requireObjectBody(decodeBody(raw, bodyFormatOf(req.headers['content-type'])));
  }
}

function writeRequest(req: IncomingMessage, target: ResourceTarget, query: URLSearchParams): WriteRequest {
  return {
    dryRun: dryRunOf(query),
    fieldValidation: fieldValidationOf(query),
    fieldManager: fieldManagerOf(query, req.headers['user-agent']),
    ...(target.subresource ? { subresource: target.subresource } : {}),
  };
}

function tableOptions(query: URLSearchParams, format: ResponseFormat & { kind: 'table' }): TableOptions {
  const include = query.get('includeObject');
  const includeObject: IncludeObject = include === 'None' || include === 'Object' ? include : 'Metadata';
  return { includeObject, apiVersion: format.apiVersion };
}

function plain(format: ResponseFormat): 'json' | 'yaml' {
  // Writes never negotiate Table or metadata forms (allowTransforms=false), so only these two remain.
  return format.kind === 'yaml' ? 'yaml' : 'json';
}

function respondWrite(res: ServerResponse, outcome: WriteOutcome, format: ResponseFormat): void {
  writeObject(res, outcome.created ? 201 : 200, outcome.object, plain(format), outcome.warnings);
}

/** What kube answers for a completed DELETE of most built-in kinds. */
function successStatus(type: ResourceType, object: KubeObject) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: object.metadata.name, group: type.group, kind: type.plural, uid: object.metadata.uid },
  };
}
