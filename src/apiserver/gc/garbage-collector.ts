import type { InternalClient } from '../http/internal-client.ts';
import { FOREGROUND_FINALIZER, type ResourceService } from '../http/resource-service.ts';
import type { TypeRegistry } from '../registry.ts';
import type { StoreEvent } from '../storage/store.ts';
import { type KubeObject, type ObjectKey, type ResourceType, storageResource } from '../types.ts';
import type { DeferredQueue } from './deferred-queue.ts';
import { OwnerIndex } from './owner-index.ts';
import { ownerState } from './owner-references.ts';

/**
 * ownerReference garbage collection, kube-style:
 * - Background: once an owner is gone, each dependent whose owners are all gone is deleted; a dependent that
 *   still has a live owner only loses the reference to the deleted one.
 * - Foreground: an owner carrying the `foregroundDeletion` finalizer has its dependents deleted first; when none
 *   is left the finalizer is removed, which removes the owner.
 * Every step is idempotent and re-derived from the store, so a crash between steps is healed by the start-up
 * scan (`resyncAll`).
 */
export class GarbageCollector {
  readonly #service: ResourceService;
  readonly #registry: TypeRegistry;
  readonly #internal: InternalClient;
  readonly #queue: DeferredQueue;
  readonly #index = new OwnerIndex();

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
    this.#index.apply(event);
    const object = event.object;
    if (event.type === 'DELETED') {
      if (this.#index.dependentsOf(object.metadata.uid).length > 0)
        this.#queue.add(`dependents:${object.metadata.uid}`, () => this.#collectDependentsOf(object));
      // A dependent going away may be what a foreground owner waits for.
      for (const ref of object.metadata.ownerReferences ?? [])
        this.#queueForegroundCheck(object, ref.uid, ref.name);
      return;
    }
    if (object.metadata.deletionTimestamp && object.metadata.finalizers?.includes(FOREGROUND_FINALIZER))
      this.#queue.add(`foreground:${object.metadata.uid}`, () => this.#advanceForeground(event.key));
    if (object.metadata.ownerReferences?.length)
      this.#queue.add(`owners:${object.metadata.uid}`, () => this.#checkOwners(event.key));
  }

  /**
   * Indexes what a resource already holds and re-checks it: dependents of owners deleted while the server was
   * down, unfinished foreground deletions. Called when the resource starts being watched.
   */
  resync(resource: string): void {
    for (const object of this.#service.store.list(resource).items) {
      const key: ObjectKey = {
        resource,
        namespace: object.metadata.namespace ?? '',
        name: object.metadata.name ?? '',
      };
      this.onEvent({ type: 'MODIFIED', key, object, revision: 0 });
    }
  }

  #typeOfStorage(resource: string): ResourceType | undefined {
    // The type that owns this storage (core Events, not the events.k8s.io view of them).
    return this.#registry.all().find((type) => storageResource(type) === resource);
  }

  #collectDependentsOf(owner: KubeObject): void {
    for (const key of this.#index.dependentsOf(owner.metadata.uid)) this.#checkOwners(key);
  }

  /** Deletes the dependent when every owner is gone, or drops references to the owners that are gone. */
  #checkOwners(key: ObjectKey): void {
    const type = this.#typeOfStorage(key.resource);
    const dependent = type && this.#internal.get(type, key.namespace, key.name);
    if (!type || !dependent?.metadata.ownerReferences?.length) return;
    const find = (t: ResourceType, ns: string, name: string) => this.#internal.get(t, ns, name);
    const refs = dependent.metadata.ownerReferences;
    const states = refs.map((ref) => ownerState(this.#registry, find, dependent, ref).state);
    if (!states.includes('absent')) return;
    if (states.every((s) => s === 'absent')) {
      if (!dependent.metadata.deletionTimestamp)
        this.#internal.delete(type, key.namespace, key.name, {
          propagationPolicy: 'Background',
          preconditions: { uid: dependent.metadata.uid ?? '' },
        });
      return;
    }
    const kept = refs.filter((_, i) => states[i] !== 'absent');
    this.#internal.update(type, {
      ...dependent,
      metadata: { ...dependent.metadata, ownerReferences: kept },
    });
  }

  #queueForegroundCheck(dependent: KubeObject, ownerUid: string, ownerName: string): void {
    for (const ref of dependent.metadata.ownerReferences ?? []) {
      if (ref.uid !== ownerUid) continue;
      const state = ownerState(this.#registry, (t, ns, n) => this.#internal.get(t, ns, n), dependent, ref);
      if (state.state !== 'present' || !state.type) continue;
      const key = this.#service.key(state.type, dependent.metadata.namespace, ownerName);
      this.#queue.add(`foreground:${ownerUid}`, () => this.#advanceForeground(key));
    }
  }

  /** Foreground deletion: delete dependents; when none is left, drop the finalizer (which removes the owner). */
  #advanceForeground(key: ObjectKey): void {
    const type = this.#typeOfStorage(key.resource);
    const owner = type && this.#internal.get(type, key.namespace, key.name);
    if (
      !type ||
      !owner?.metadata.deletionTimestamp ||
      !owner.metadata.finalizers?.includes(FOREGROUND_FINALIZER)
    )
      return;
    const dependents = this.#index.dependentsOf(owner.metadata.uid);
    if (dependents.length === 0) {
      const finalizers = owner.metadata.finalizers.filter((f) => f !== FOREGROUND_FINALIZER);
      this.#internal.update(type, { ...owner, metadata: { ...owner.metadata, finalizers } });
      return;
    }
    for (const dependentKey of dependents) {
      const dependentType = this.#typeOfStorage(dependentKey.resource);
      const object =
        dependentType && this.#internal.get(dependentType, dependentKey.namespace, dependentKey.name);
      if (!dependentType || !object || object.metadata.deletionTimestamp) continue;
      this.#internal.delete(dependentType, dependentKey.namespace, dependentKey.name, {
        propagationPolicy: 'Background',
      });
    }
  }
}
