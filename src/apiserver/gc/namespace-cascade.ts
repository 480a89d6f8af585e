import { NAMESPACE_CONTENT_FINALIZER, namespaceType } from '../builtins/index.ts';
import type { InternalClient } from '../http/internal-client.ts';
import type { ResourceService } from '../http/resource-service.ts';
import { storageOf } from '../http/storage-forms.ts';
import type { TypeRegistry } from '../registry.ts';
import type { StoreEvent } from '../storage/store.ts';
import { type KubeObject, type ResourceType, storageResource } from '../types.ts';
import type { DeferredQueue } from './deferred-queue.ts';

const NAMESPACES = storageResource(namespaceType);

/**
 * kube's namespace controller: a namespace with deletionTimestamp (status.phase Terminating) has everything in
 * it deleted, type by type; once nothing is left, its `kubernetes` spec finalizer is removed, which removes the
 * namespace (unless metadata.finalizers still hold it). Objects held by their own finalizers keep the namespace
 * until they go; their deletion events bring the namespace back into the queue.
 */
export class NamespaceCascade {
  readonly #service: ResourceService;
  readonly #registry: TypeRegistry;
  readonly #internal: InternalClient;
  readonly #queue: DeferredQueue;

  constructor(
    service: ResourceService,
    registry: TypeRegistry,
    internal: InternalClient,
    queue: DeferredQueue,
  ) {
    this.#service = service;
    this.#registry = registry;
    this.#internal = internal;
    this.#queue = queue;
  }

  onEvent(event: StoreEvent): void {
    if (event.key.resource === NAMESPACES) {
      if (event.type !== 'DELETED' && event.object.metadata.deletionTimestamp) this.#enqueue(event.key.name);
      return;
    }
    if (event.type === 'DELETED' && event.key.namespace) {
      const ns = this.#service.store.get({ resource: NAMESPACES, namespace: '', name: event.key.namespace });
      if (ns?.metadata.deletionTimestamp) this.#enqueue(event.key.namespace);
    }
  }

  resyncAll(): void {
    for (const ns of this.#service.store.list(NAMESPACES).items)
      if (ns.metadata.deletionTimestamp) this.#enqueue(ns.metadata.name ?? '');
  }

  #enqueue(name: string): void {
    this.#queue.add(`namespace:${name}`, () => this.#cleanUp(name));
  }

  /** One type per storage: CRD versions share one, and the events.k8s.io view shares core Events'. */
  #namespacedTypes(): ResourceType[] {
    const byStorage = new Map<string, ResourceType>();
    for (const type of this.#registry.all()) {
      const storage = storageOf(type);
      if (type.namespaced && storage === storageResource(type) && !byStorage.has(storage))
        byStorage.set(storage, type);
    }
    return [...byStorage.values()];
  }

  #cleanUp(name: string): void {
    const nsType = this.#registry.lookup('', 'v1', 'namespaces') ?? namespaceType;
    const namespace = this.#internal.get(nsType, '', name);
    if (!namespace?.metadata.deletionTimestamp) return;
    for (const type of this.#namespacedTypes()) {
      for (const object of this.#internal.list(type, name).items) {
        if (!object.metadata.deletionTimestamp)
          this.#internal.delete(type, name, object.metadata.name ?? '', { propagationPolicy: 'Background' });
      }
    }
    if (this.#stillHasContent(name)) return;
    const finalizers = specFinalizers(namespace).filter((f) => f !== NAMESPACE_CONTENT_FINALIZER);
    this.#service.finalizeNamespace(name, finalizers);
  }

  #stillHasContent(name: string): boolean {
    return this.#namespacedTypes().some((type) => this.#internal.list(type, name).items.length > 0);
  }
}

function specFinalizers(namespace: KubeObject): string[] {
  return (namespace.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
}
