import { ADMIN_USERNAME, admitByPolicies } from '../admission-policy/index.ts';
import { behaviorFor, namespaceType } from '../builtins/index.ts';
import { ApiError, errors } from '../errors.ts';
import { applyPatch, trackUpdate } from '../patch/index.ts';
import type { SchemaPipeline } from '../schema/pipeline.ts';
import type { Store } from '../storage/store.ts';
import {
  type FieldValidation,
  type KubeObject,
  type ObjectKey,
  type ResourceType,
  storageResource,
} from '../types.ts';
import { pruneAndDefault, reportUnknownFields, validateObject } from './admission.ts';
import { type Dependent, findDependents, orphanDependents } from './dependents.ts';
import {
  applySubresourceScope,
  carryOverSystemMetadata,
  clone,
  pendingFinalizers,
  randomNameSuffix,
  sameObject,
  specChanged,
  timestamp,
} from './object-lifecycle.ts';
import type { DeleteRequestOptions } from './request-options.ts';
import { qualified, storageOf, toApi, toStorage } from './storage-forms.ts';
import { checkStoredSize } from './stored-size.ts';
import { namespaceForbidden, objectForRequest } from './type-meta.ts';

export interface ResourceServiceDeps {
  store: Store;
  pipelineFor(type: ResourceType): SchemaPipeline | undefined;
  clock: () => Date;
  newUid: () => string;
  /** Every storage resource of the served types: dependents of an owner may live in any of them. */
  storageResources(): Iterable<string>;
}

/** How a write was asked for: the query parameters kube defines for writes. */
export interface WriteRequest {
  dryRun: boolean;
  fieldValidation: FieldValidation;
  fieldManager: string;
  /** 'status' for the status subresource. */
  subresource?: string;
  /** Fields the JSON body held twice (`spec.size`): strict decoding errors like unknown fields. */
  duplicateFields?: string[];
}

export interface WriteOutcome {
  object: KubeObject;
  /** `unknown field "spec.x"` texts for Warning headers. */
  warnings: string[];
  created: boolean;
}

export interface DeleteOutcome {
  object: KubeObject;
  /** False while finalizers hold the object (it now carries deletionTimestamp). */
  deleted: boolean;
}

export const FOREGROUND_FINALIZER = 'foregroundDeletion';

const MODIFIED =
  'the object has been modified; please apply your changes to the latest version and try again';
const GENERATE_NAME_ATTEMPTS = 8;

/**
 * The object lifecycle shared by HTTP requests and the server's own writes: defaults, unknown fields, validation,
 * system metadata, generation, the status subresource, finalizers and deletion, over the synchronous Store.
 *
 * Every method is one synchronous read-modify-write, so it is atomic on Node's single thread; anything that
 * fails throws before the store is touched, so no request leaves a partial write. (The one multi-object write,
 * DELETE with propagationPolicy=Orphan, updates each dependent on its own before deleting the owner.) Objects
 * are returned in the type's API form (events.k8s.io Events are converted from their core/v1 storage form).
 */
export class ResourceService {
  readonly #deps: ResourceServiceDeps;

  constructor(deps: ResourceServiceDeps) {
    this.#deps = deps;
  }

  get store(): Store {
    return this.#deps.store;
  }

  key(type: ResourceType, namespace: string | undefined, name: string): ObjectKey {
    return { resource: storageOf(type), namespace: type.namespaced ? (namespace ?? '') : '', name };
  }

  find(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const stored = this.#deps.store.get(this.key(type, namespace, name));
    return stored && toApi(type, stored);
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.find(type, namespace, name);
    if (!found) throw errors.notFound(qualified(type), name);
    return found;
  }

  list(type: ResourceType, namespace: string | undefined): { items: KubeObject[]; revision: number } {
    const result = this.#deps.store.list(storageOf(type), type.namespaced ? namespace : undefined);
    return { items: result.items.map((item) => toApi(type, item)), revision: result.revision };
  }

  /** The API form of a stored object (used for watch events too). */
  toApi(type: ResourceType, stored: KubeObject): KubeObject {
    return toApi(type, stored);
  }

  create(
    type: ResourceType,
    namespace: string | undefined,
    body: Record<string, unknown>,
    request: WriteRequest,
  ): WriteOutcome {
    const warnings: string[] = [];
    const object = this.#admitNew(
      type,
      objectForRequest(body, type, namespace, undefined),
      request,
      warnings,
    );
    return { object: this.#insert(type, object, request), warnings, created: true };
  }

  /** PUT. Creates the object when missing only for kinds that allow it (Lease, Event). */
  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: Record<string, unknown>,
    request: WriteRequest,
  ): WriteOutcome {
    const incoming = objectForRequest(body, type, namespace, name);
    const old = this.find(type, namespace, name);
    if (!old) {
      if (!behaviorFor(type).allowCreateOnUpdate || request.subresource)
        throw errors.notFound(qualified(type), name);
      return this.create(type, namespace, incoming, request);
    }
    checkResourceVersion(type, incoming, old);
    const warnings: string[] = [];
    const object = this.#admitUpdate(type, incoming, old, request, warnings, true);
    return { ...this.#commitUpdate(type, object, old, request), warnings };
  }

  /** PATCH: every patch type, and server-side apply (which creates missing objects). */
  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    contentType: string | undefined,
    body: Buffer,
    request: WriteRequest & { force: boolean },
  ): WriteOutcome {
    const live = this.find(type, namespace, name);
    const ctx = {
      type,
      manager: request.fieldManager,
      force: request.force,
      name,
      now: timestamp(this.#deps.clock()),
      ...(request.subresource ? { subresource: request.subresource } : {}),
    };
    const patched = applyPatch(contentType, live ? clone(live) : undefined, body, ctx);
    const incoming = objectForRequest(patched as Record<string, unknown>, type, namespace, name);
    const warnings: string[] = [];
    if (!live) {
      if (request.subresource) throw errors.notFound(qualified(type), name);
      const object = this.#admitNew(type, incoming, request, warnings, false);
      return { object: this.#insert(type, object, request), warnings, created: true };
    }
    checkResourceVersion(type, incoming, live);
    const object = this.#admitUpdate(type, incoming, live, request, warnings, false);
    return { ...this.#commitUpdate(type, object, live, request), warnings };
  }

  /**
   * DELETE. With finalizers pending (or dependents to delete first under Foreground), the object only gets
   * deletionTimestamp; the update that empties its finalizers removes it. Orphan strips this owner from its
   * dependents' ownerReferences first; Background leaves dependents to the garbage collector.
   */
  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteRequestOptions,
    dryRun: boolean,
  ): DeleteOutcome {
    const store = this.#deps.store;
    const key = this.key(type, namespace, name);
    const stored = store.get(key);
    if (!stored) throw errors.notFound(qualified(type), name);
    const { uid, resourceVersion } = options.preconditions;
    if (uid !== undefined && uid !== stored.metadata.uid)
      throw errors.conflict(
        qualified(type),
        name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${stored.metadata.uid ?? ''}`,
      );
    if (resourceVersion !== undefined && resourceVersion !== stored.metadata.resourceVersion)
      throw errors.conflict(
        qualified(type),
        name,
        `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${stored.metadata.resourceVersion ?? ''}`,
      );
    const behavior = behaviorFor(type);
    behavior.beforeDelete?.(stored);
    // DeleteOutcome carries no warnings, so a Warn action's text is not returned on DELETE.
    this.#admitByPolicies(type, 'DELETE', undefined, toApi(type, stored), { dryRun }, []);
    const policy = options.propagationPolicy ?? 'Background';
    if (policy === 'Orphan' && !dryRun) orphanDependents(store, stored, this.storageResources());

    const marked = clone(stored);
    if (
      policy === 'Foreground' &&
      this.hasDependents(stored) &&
      !marked.metadata.finalizers?.includes(FOREGROUND_FINALIZER)
    )
      marked.metadata.finalizers = [...(marked.metadata.finalizers ?? []), FOREGROUND_FINALIZER];
    if (pendingFinalizers(marked, behavior.extraFinalizers).length > 0) {
      if (!marked.metadata.deletionTimestamp) {
        if (marked.metadata.generation !== undefined) marked.metadata.generation += 1;
        marked.metadata.deletionTimestamp = timestamp(this.#deps.clock());
        marked.metadata.deletionGracePeriodSeconds = 0;
        behavior.markDeleting?.(marked);
      }
      if (sameObject(marked, stored) || dryRun) return { object: toApi(type, marked), deleted: false };
      const updated = store.update(key, marked, { resourceVersion: stored.metadata.resourceVersion ?? '' });
      return { object: toApi(type, updated), deleted: false };
    }
    if (dryRun) return { object: toApi(type, stored), deleted: true };
    const removed = store.delete(key, { resourceVersion: stored.metadata.resourceVersion ?? '' });
    return { object: toApi(type, removed), deleted: true };
  }

  /** Objects whose ownerReferences name `owner`'s uid, across every stored resource. */
  dependentsOf(owner: KubeObject, resources: Iterable<string>): Dependent[] {
    return findDependents(this.#deps.store, owner, resources);
  }

  /** Every storage resource of the served types. */
  storageResources(): Iterable<string> {
    return this.#deps.storageResources();
  }

  hasDependents(owner: KubeObject): boolean {
    return this.dependentsOf(owner, this.storageResources()).length > 0;
  }

  /**
   * kube's namespaces/finalize: sets a namespace's spec.finalizers (which ordinary updates keep unchanged); the
   * write that leaves a terminating namespace with no finalizer at all removes it.
   */
  finalizeNamespace(name: string, specFinalizers: string[]): void {
    const key = { resource: storageResource(namespaceType), namespace: '', name };
    const stored = this.#deps.store.get(key);
    if (!stored) return;
    const updated = clone(stored);
    updated.spec = { ...((updated.spec as object | undefined) ?? {}), finalizers: specFinalizers };
    const preconditions = { resourceVersion: stored.metadata.resourceVersion ?? '' };
    if (
      updated.metadata.deletionTimestamp &&
      pendingFinalizers(updated, behaviorFor(namespaceType).extraFinalizers).length === 0
    )
      this.#deps.store.delete(key, preconditions);
    else if (!sameObject(updated, stored)) this.#deps.store.update(key, updated, preconditions);
  }

  #admitNew(
    type: ResourceType,
    incoming: KubeObject,
    request: WriteRequest,
    warnings: string[],
    trackFields = true,
  ): KubeObject {
    const behavior = behaviorFor(type);
    const pipeline = this.#deps.pipelineFor(type);
    const { object, unknownFields } = pruneAndDefault(clone(incoming), behavior, pipeline);
    reportUnknownFields(unknownFields, request.fieldValidation, warnings, request.duplicateFields);
    const meta = object.metadata;
    if (meta.resourceVersion)
      throw errors.badRequest('resourceVersion should not be set on objects to be created');
    const now = this.#deps.clock();
    meta.uid = this.#deps.newUid();
    meta.creationTimestamp = timestamp(now);
    meta.generation = 1;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.resourceVersion;
    if (type.hasStatus) delete object.status;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomNameSuffix()}`;
    behavior.prepareForCreate?.(object);
    validateObject(object, undefined, type, behavior, pipeline);
    if (type.namespaced) this.#checkNamespaceAcceptsContent(type, meta.namespace ?? '', meta.name ?? '');
    this.#admitByPolicies(type, 'CREATE', object, undefined, request, warnings);
    return trackFields
      ? trackUpdate(undefined, object, request.fieldManager, type, request.subresource, timestamp(now))
      : object;
  }

  #insert(type: ResourceType, object: KubeObject, request: WriteRequest): KubeObject {
    // Checked for dry runs too, so they tell whether the write would succeed.
    checkStoredSize(toStorage(type, object));
    if (request.dryRun) return object;
    const meta = object.metadata;
    for (let attempt = 1; ; attempt++) {
      try {
        return toApi(
          type,
          this.#deps.store.create(this.key(type, meta.namespace, meta.name ?? ''), toStorage(type, object)),
        );
      } catch (error) {
        // A generated name that clashes gets a new suffix, as kube-apiserver retries since 1.30.
        const clash = error instanceof ApiError && error.reason === 'AlreadyExists';
        if (!clash || !meta.generateName || attempt >= GENERATE_NAME_ATTEMPTS) throw error;
        meta.name = `${meta.generateName}${randomNameSuffix()}`;
      }
    }
  }

  #admitUpdate(
    type: ResourceType,
    incoming: KubeObject,
    old: KubeObject,
    request: WriteRequest,
    warnings: string[],
    trackFields: boolean,
  ): KubeObject {
    const behavior = behaviorFor(type);
    const pipeline = this.#deps.pipelineFor(type);
    const pruned = pruneAndDefault(clone(incoming), behavior, pipeline);
    reportUnknownFields(pruned.unknownFields, request.fieldValidation, warnings, request.duplicateFields);
    const object = applySubresourceScope(pruned.object, old, type, request.subresource);
    const causes = carryOverSystemMetadata(object, old);
    object.metadata.resourceVersion = old.metadata.resourceVersion;
    if (causes.length > 0)
      throw errors.invalid({ group: type.group, resourceOrKind: type.kind }, old.metadata.name ?? '', causes);
    if (request.subresource !== 'status') behavior.prepareForUpdate?.(object, old);
    if (specChanged(old, object, type)) object.metadata.generation = (old.metadata.generation ?? 0) + 1;
    validateObject(object, old, type, behavior, pipeline);
    this.#admitByPolicies(type, 'UPDATE', object, old, request, warnings);
    if (!trackFields) return object;
    const now = timestamp(this.#deps.clock());
    return trackUpdate(old, object, request.fieldManager, type, request.subresource, now);
  }

  /** Writes an admitted update: a no-op is not written; emptying the last finalizer of a deleting object removes it. */
  #commitUpdate(
    type: ResourceType,
    object: KubeObject,
    old: KubeObject,
    request: WriteRequest,
  ): Omit<WriteOutcome, 'warnings'> {
    const name = old.metadata.name ?? '';
    const key = this.key(type, old.metadata.namespace, name);
    const preconditions = { resourceVersion: old.metadata.resourceVersion ?? '' };
    const finished =
      object.metadata.deletionTimestamp !== undefined &&
      pendingFinalizers(object, behaviorFor(type).extraFinalizers).length === 0;
    if (!finished) checkStoredSize(toStorage(type, object));
    if (request.dryRun) return { object, created: false };
    if (finished) {
      // The answer is the final state (finalizers emptied) at the deletion's resourceVersion.
      const removed = this.#deps.store.delete(key, preconditions);
      const final = {
        ...object,
        metadata: { ...object.metadata, resourceVersion: removed.metadata.resourceVersion },
      };
      return { object: final, created: false };
    }
    if (sameObject(object, old)) return { object: old, created: false };
    return {
      object: toApi(type, this.#deps.store.update(key, toStorage(type, object), preconditions)),
      created: false,
    };
  }

  /** ValidatingAdmissionPolicies, after the object passed validation and before anything is written. */
  #admitByPolicies(
    type: ResourceType,
    operation: 'CREATE' | 'UPDATE' | 'DELETE',
    object: KubeObject | undefined,
    old: KubeObject | undefined,
    request: Pick<WriteRequest, 'dryRun' | 'subresource'>,
    warnings: string[],
  ): void {
    const meta = (object ?? old)?.metadata;
    admitByPolicies(
      this.#deps.store,
      {
        operation,
        group: type.group,
        version: type.version,
        kind: type.kind,
        resource: type.plural,
        subresource: request.subresource ?? '',
        namespaced: type.namespaced,
        name: meta?.name ?? '',
        namespace: type.namespaced ? (meta?.namespace ?? '') : '',
        object,
        oldObject: old,
        dryRun: request.dryRun,
        username: ADMIN_USERNAME,
      },
      warnings,
    );
  }

  /** kube's NamespaceLifecycle admission: 404 for a missing namespace, 403 while it terminates. */
  #checkNamespaceAcceptsContent(type: ResourceType, namespace: string, name: string): void {
    const ns = this.#deps.store.get({
      resource: storageResource(namespaceType),
      namespace: '',
      name: namespace,
    });
    if (!ns) throw errors.notFound({ group: '', resourceOrKind: 'namespaces' }, namespace);
    if (ns.metadata.deletionTimestamp) throw namespaceForbidden(type, name, namespace);
  }
}

/**
 * Optimistic concurrency: a write that names a resourceVersion must name the stored one. Checked before
 * admission, as kube-apiserver does, so a stale writer hears 409 even when its object is also invalid.
 */
function checkResourceVersion(type: ResourceType, incoming: KubeObject, old: KubeObject): void {
  const expected = incoming.metadata.resourceVersion;
  if (expected && expected !== old.metadata.resourceVersion)
    throw errors.conflict(qualified(type), old.metadata.name ?? '', MODIFIED);
}
