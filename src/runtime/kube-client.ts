import {
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  type EventsV1Event,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Secret,
} from '@kubernetes/client-node';
import type { Operation } from 'fast-json-patch';
import { isNotFound, toKubeError } from './kube-error.ts';
import {
  describeRef,
  type KubeList,
  type KubeObject,
  type KubeResource,
  type ObjectRef,
} from './kube-object.ts';
import { pooledApiConfiguration } from './pooled-connections.ts';

/** A patch body together with its content type, so no call can send one with the other's header. */
export type Patch = { type: 'json'; ops: Operation[] } | { type: 'merge'; body: Record<string, unknown> };

export interface ListOptions {
  /** Undefined lists across all namespaces (or a cluster-scoped resource). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface DeleteOptions {
  /** Delete only if the object still has this uid / resourceVersion (409 otherwise). */
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
}

/**
 * The API calls controllers make, over client-node's CustomObjectsApi, CoreV1Api and EventsV1Api. Every
 * failure answered by the server arrives as a KubeError naming the call and the object, so controllers never
 * touch client-node or parse its exception text. Writes carry `fieldManager`.
 *
 * Custom objects travel as plain JSON (timestamps stay strings); typed built-ins (Secret, Event) come back as
 * client-node models.
 */
export class KubeClient {
  readonly #custom: CustomObjectsApi;
  readonly #core: CoreV1Api;
  readonly #events: EventsV1Api;
  readonly #fieldManager: string;

  constructor(kubeConfig: KubeConfig, options: { fieldManager?: string } = {}) {
    // One connection pool for all three (see pooledApiConfiguration): client-node alone opens one per request.
    const configuration = pooledApiConfiguration(kubeConfig);
    this.#custom = new CustomObjectsApi(configuration);
    this.#core = new CoreV1Api(configuration);
    this.#events = new EventsV1Api(configuration);
    this.#fieldManager = options.fieldManager ?? 'vmsnap-operator';
  }

  get<T extends KubeObject>(resource: KubeResource, ref: ObjectRef): Promise<T> {
    const t = target(resource, ref);
    return this.#call(`get ${describeRef(resource, ref)}`, () =>
      t.namespace === undefined
        ? this.#custom.getClusterCustomObject(t)
        : this.#custom.getNamespacedCustomObject({ ...t, namespace: t.namespace }),
    );
  }

  /** Like `get`, but undefined when the object does not exist. */
  async find<T extends KubeObject>(resource: KubeResource, ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.get<T>(resource, ref);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  list<T extends KubeObject>(resource: KubeResource, options: ListOptions = {}): Promise<KubeList<T>> {
    const base = { group: requireGroup(resource), version: resource.version, plural: resource.plural };
    const selectors = { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector };
    const namespace = resource.namespaced ? options.namespace : undefined;
    const where = namespace === undefined ? '' : ` in namespace ${namespace}`;
    return this.#call(`list ${resource.plural}.${resource.group}${where}`, () =>
      namespace === undefined
        ? this.#custom.listClusterCustomObject({ ...base, ...selectors })
        : this.#custom.listNamespacedCustomObject({ ...base, ...selectors, namespace }),
    );
  }

  /** Creates the object; `metadata.generateName` without a name lets the server pick one. */
  create<T extends KubeObject>(resource: KubeResource, obj: T): Promise<T> {
    const ref = {
      namespace: obj.metadata.namespace,
      name: obj.metadata.name ?? `${obj.metadata.generateName ?? ''}*`,
    };
    const t = target(resource, ref);
    const params = {
      group: t.group,
      version: t.version,
      plural: t.plural,
      body: obj,
      fieldManager: this.#fieldManager,
    };
    return this.#call(`create ${describeRef(resource, ref)}`, () =>
      t.namespace === undefined
        ? this.#custom.createClusterCustomObject(params)
        : this.#custom.createNamespacedCustomObject({ ...params, namespace: t.namespace }),
    );
  }

  /**
   * Replaces the object (status is ignored by servers with a status subresource). With metadata.resourceVersion
   * set, the server rejects the write with 409 Conflict if anyone changed the object since it was read.
   */
  replace<T extends KubeObject>(resource: KubeResource, obj: T): Promise<T> {
    const ref = refOf(obj);
    const t = { ...target(resource, ref), body: obj, fieldManager: this.#fieldManager };
    return this.#call(`replace ${describeRef(resource, ref)}`, () =>
      t.namespace === undefined
        ? this.#custom.replaceClusterCustomObject(t)
        : this.#custom.replaceNamespacedCustomObject({ ...t, namespace: t.namespace }),
    );
  }

  /** Replaces the status subresource; guarded by metadata.resourceVersion exactly like `replace`. */
  replaceStatus<T extends KubeObject>(resource: KubeResource, obj: T): Promise<T> {
    const ref = refOf(obj);
    const t = { ...target(resource, ref), body: obj, fieldManager: this.#fieldManager };
    return this.#call(`replace status of ${describeRef(resource, ref)}`, () =>
      t.namespace === undefined
        ? this.#custom.replaceClusterCustomObjectStatus(t)
        : this.#custom.replaceNamespacedCustomObjectStatus({ ...t, namespace: t.namespace }),
    );
  }

  patch<T extends KubeObject>(resource: KubeResource, ref: ObjectRef, patch: Patch): Promise<T> {
    const t = { ...target(resource, ref), body: patchBody(patch), fieldManager: this.#fieldManager };
    const options = contentType(patch);
    return this.#call(`patch ${describeRef(resource, ref)}`, () =>
      t.namespace === undefined
        ? this.#custom.patchClusterCustomObject(t, options)
        : this.#custom.patchNamespacedCustomObject({ ...t, namespace: t.namespace }, options),
    );
  }

  patchStatus<T extends KubeObject>(resource: KubeResource, ref: ObjectRef, patch: Patch): Promise<T> {
    const t = { ...target(resource, ref), body: patchBody(patch), fieldManager: this.#fieldManager };
    const options = contentType(patch);
    return this.#call(`patch status of ${describeRef(resource, ref)}`, () =>
      t.namespace === undefined
        ? this.#custom.patchClusterCustomObjectStatus(t, options)
        : this.#custom.patchNamespacedCustomObjectStatus({ ...t, namespace: t.namespace }, options),
    );
  }

  async delete(resource: KubeResource, ref: ObjectRef, options: DeleteOptions = {}): Promise<void> {
    const t = { ...target(resource, ref), body: { ...options } };
    await this.#call(`delete ${describeRef(resource, ref)}`, () =>
      t.namespace === undefined
        ? this.#custom.deleteClusterCustomObject(t)
        : this.#custom.deleteNamespacedCustomObject({ ...t, namespace: t.namespace }),
    );
  }

  getSecret(ref: { namespace: string; name: string }): Promise<V1Secret> {
    return this.#call(`get secret ${ref.namespace}/${ref.name}`, () => this.#core.readNamespacedSecret(ref));
  }

  createEvent(event: EventsV1Event): Promise<EventsV1Event> {
    const namespace = event.metadata?.namespace ?? 'default';
    return this.#call(`create event in ${namespace}`, () =>
      this.#events.createNamespacedEvent({ namespace, body: event, fieldManager: this.#fieldManager }),
    );
  }

  /** Merge-patches an event (used to bump `series` of a repeated event instead of writing a new one). */
  patchEvent(
    ref: { namespace: string; name: string },
    body: Record<string, unknown>,
  ): Promise<EventsV1Event> {
    return this.#call(`patch event ${ref.namespace}/${ref.name}`, () =>
      this.#events.patchNamespacedEvent(
        { ...ref, body, fieldManager: this.#fieldManager },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
  }

  listEvents(namespace: string, fieldSelector?: string): Promise<{ items: EventsV1Event[] }> {
    return this.#call(`list events in ${namespace}`, () =>
      this.#events.listNamespacedEvent({ namespace, fieldSelector }),
    );
  }

  async #call<R>(what: string, request: () => Promise<R>): Promise<R> {
    try {
      return await request();
    } catch (error) {
      throw toKubeError(error, what);
    }
  }
}

function target(resource: KubeResource, ref: ObjectRef) {
  if (resource.namespaced && !ref.namespace) {
    throw new Error(`${describeRef(resource, ref)}: a namespaced resource needs a namespace`);
  }
  return {
    group: requireGroup(resource),
    version: resource.version,
    plural: resource.plural,
    name: ref.name,
    namespace: resource.namespaced ? ref.namespace : undefined,
  };
}

function requireGroup(resource: KubeResource): string {
  // CustomObjectsApi builds /apis/{group}/... URLs; the core group lives under /api and has typed methods here.
  if (resource.group === '') {
    throw new Error(
      `KubeClient: core-group resource "${resource.plural}" is not served by the generic calls`,
    );
  }
  return resource.group;
}

function refOf(obj: KubeObject): ObjectRef {
  const { name, namespace } = obj.metadata;
  if (!name) throw new Error('KubeClient: object has no metadata.name');
  return { name, namespace };
}

function patchBody(patch: Patch): unknown {
  return patch.type === 'json' ? patch.ops : patch.body;
}

function contentType(patch: Patch) {
  return setHeaderOptions(
    'Content-Type',
    patch.type === 'json' ? PatchStrategy.JsonPatch : PatchStrategy.MergePatch,
  );
}
