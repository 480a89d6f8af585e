import type { KubeObject, ObjectKey } from '../types.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** A committed change. `previous` is the object before the change (absent for ADDED). */
export interface StoreEvent {
  type: WatchEventType;
  key: ObjectKey;
  object: KubeObject;
  previous?: KubeObject;
  /** The revision this change was committed at; equals object.metadata.resourceVersion. */
  revision: number;
}

export interface Preconditions {
  /** Fail with 409 Conflict unless the stored object has this resourceVersion. */
  resourceVersion?: string;
  /** Fail with 409 Conflict unless the stored object has this uid. */
  uid?: string;
}

export interface ListResult {
  items: KubeObject[];
  /** The store's revision at the time of the list: a watch from it misses nothing and repeats nothing. */
  revision: number;
}

/**
 * The durable object store. Synchronous on purpose: a request handler reads, computes and writes without
 * awaiting, so Node's single thread makes each request's read-modify-write atomic with no locks.
 *
 * Contract:
 * - One revision counter for all objects, strictly increasing across restarts. Every successful write
 *   (create/update/delete) takes the next revision and writes it into metadata.resourceVersion.
 * - A write returns only once it is durable: after `kill -9` of the process, every returned write is there and
 *   no partial write is visible.
 * - Events are delivered to watchers synchronously after commit, in revision order.
 */
export interface Store {
  currentRevision(): number;
  get(key: ObjectKey): KubeObject | undefined;
  /** All objects of a resource, in one namespace or (namespace undefined) all namespaces, sorted by ns/name. */
  list(resource: string, namespace?: string): ListResult;
  /** Throws ApiError 409 AlreadyExists when the key exists. */
  create(key: ObjectKey, object: KubeObject): KubeObject;
  /** Throws ApiError 404 when missing, 409 Conflict when a precondition fails. */
  update(key: ObjectKey, object: KubeObject, preconditions?: Preconditions): KubeObject;
  /** Removes the object; the returned copy carries the deletion's revision. 404 when missing, 409 on preconditions. */
  delete(key: ObjectKey, preconditions?: Preconditions): KubeObject;
  /**
   * Listen for events of one resource (optionally one namespace). With `fromRevision`, first replays every
   * retained event with revision > fromRevision, then live ones. Throws ApiError 410 Expired when fromRevision
   * is older than the retained history. Returns a function that stops the listener.
   */
  watch(
    resource: string,
    namespace: string | undefined,
    fromRevision: number | undefined,
    listener: (event: StoreEvent) => void,
  ): () => void;
  close(): void;
}
