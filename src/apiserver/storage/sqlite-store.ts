import { ApiError, errors, type Qualified } from '../errors.ts';
import type { KubeObject, ObjectKey } from '../types.ts';
import { EventHistory, type RecordedEvent } from './event-history.ts';
import { ObjectIndex, type StoredObject } from './object-index.ts';
import { SqliteFile, type SqliteSynchronous } from './sqlite-file.ts';
import type { ListResult, Preconditions, Store, StoreEvent, WatchEventType } from './store.ts';
import { WatchHub } from './watch-hub.ts';

export type { SqliteSynchronous } from './sqlite-file.ts';

export interface SqliteStoreOptions {
  /** The database file (created when missing). `:memory:` gives a non-durable store for tests. */
  path: string;
  /** Events kept in memory for watch replay (default 10,000). Watches from older revisions get 410 Expired. */
  historyLimit?: number;
  /**
   * SQLite's `synchronous` pragma. Default `FULL`: every write survives power loss, as etcd's fsynced WAL does,
   * at ~0.15 ms per write here (docs/performance.md "## Store"). `NORMAL` survives kill -9 but not power loss.
   */
  synchronous?: SqliteSynchronous;
  /**
   * How error messages name a key's resource (`vmsnapshots.vmsnap.io "x" not found`). The default reads it off
   * the key: ObjectKey.resource is storageResource(), `group/plural`, which is exactly what Kubernetes prints
   * for NotFound, AlreadyExists and Conflict, so callers only need this to print something else.
   */
  describe?: (key: ObjectKey) => Qualified;
  /** Receives exceptions thrown by watch listeners (the write stays committed). Default: console.error. */
  onListenerError?: (error: unknown) => void;
}

export const DEFAULT_HISTORY_LIMIT = 10_000;

const MODIFIED_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

/**
 * Opens (or creates) the store at `path`: loads every object into memory, starts the watch history at the
 * stored revision (nothing older is replayable after a restart), and holds the file exclusively until close().
 *
 * Reads are served from memory. Every write is one SQLite transaction; memory, the history and watchers are
 * updated only after it commits, so a returned write is durable and a failed one (500) changed nothing.
 * Objects are copied in both directions: callers may mutate whatever they pass in or get back.
 * The store writes only metadata.resourceVersion; uid, timestamps, generation and skipping no-op updates are
 * the caller's business (every update() takes a new revision).
 *
 * watch(): with `fromRevision`, the replay runs synchronously inside watch(), before it returns. Kubernetes'
 * "watch from 0 or empty" (ADDED for everything) is list() + watch from list().revision; the store does not
 * synthesize ADDED events. A fromRevision ahead of the store delivers only events after it.
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  return new SqliteStore(options);
}

class SqliteStore implements Store {
  readonly #file: SqliteFile;
  readonly #index = new ObjectIndex();
  readonly #history: EventHistory;
  readonly #hub: WatchHub;
  readonly #describe: (key: ObjectKey) => Qualified;
  #revision: number;
  #closed = false;

  constructor(options: SqliteStoreOptions) {
    this.#file = new SqliteFile(options.path, options.synchronous ?? 'FULL');
    try {
      for (const row of this.#file.loadAll())
        this.#index.set(row.key, { json: row.json, revision: row.revision });
      this.#revision = this.#file.readRevision();
      this.#history = new EventHistory(options.historyLimit ?? DEFAULT_HISTORY_LIMIT, this.#revision);
    } catch (error) {
      this.#file.close();
      throw error;
    }
    this.#hub = new WatchHub(
      options.onListenerError ?? ((error) => console.error('store watch listener failed:', error)),
    );
    this.#describe = options.describe ?? qualifiedFromKey;
  }

  currentRevision(): number {
    return this.#revision;
  }

  get(key: ObjectKey): KubeObject | undefined {
    this.#assertOpen();
    const stored = this.#index.get(key);
    return stored && parse(stored.json);
  }

  list(resource: string, namespace?: string): ListResult {
    this.#assertOpen();
    return {
      items: this.#index.list(resource, namespace).map((stored) => parse(stored.json)),
      revision: this.#revision,
    };
  }

  create(key: ObjectKey, object: KubeObject): KubeObject {
    this.#assertOpen();
    assertKeyMatches(key, object);
    if (this.#index.get(key)) throw errors.alreadyExists(this.#describe(key), key.name);
    const revision = this.#revision + 1;
    const json = serialize(key, withResourceVersion(object, revision));
    this.#durably(() => this.#file.insert(key, revision, json));
    this.#commit(key, 'ADDED', revision, json, undefined);
    return parse(json);
  }

  update(key: ObjectKey, object: KubeObject, preconditions?: Preconditions): KubeObject {
    this.#assertOpen();
    assertKeyMatches(key, object);
    const current = this.#existing(key);
    this.#check(key, current, preconditions, MODIFIED_MESSAGE);
    const revision = this.#revision + 1;
    const json = serialize(key, withResourceVersion(object, revision));
    this.#durably(() => this.#file.update(key, revision, json));
    this.#commit(key, 'MODIFIED', revision, json, current.json);
    return parse(json);
  }

  delete(key: ObjectKey, preconditions?: Preconditions): KubeObject {
    this.#assertOpen();
    const current = this.#existing(key);
    const storedVersion = current.revision;
    this.#check(
      key,
      current,
      preconditions,
      `Precondition failed: ResourceVersion in precondition: ${preconditions?.resourceVersion}, ResourceVersion in object meta: ${storedVersion}`,
    );
    const revision = this.#revision + 1;
    const final = withResourceVersion(parse(current.json), revision);
    const json = JSON.stringify(final);
    this.#durably(() => this.#file.remove(key, revision));
    this.#commit(key, 'DELETED', revision, json, current.json);
    return final;
  }

  watch(
    resource: string,
    namespace: string | undefined,
    fromRevision: number | undefined,
    listener: (event: StoreEvent) => void,
  ): () => void {
    this.#assertOpen();
    if (fromRevision === undefined) return this.#hub.add(resource, namespace, this.#revision, [], listener);
    if (!Number.isSafeInteger(fromRevision) || fromRevision < 0) {
      throw errors.badRequest(`invalid resource version to watch from: ${fromRevision}`);
    }
    const replay = this.#history.since(fromRevision).filter((event) => event.key.resource === resource);
    return this.#hub.add(resource, namespace, fromRevision, replay, listener);
  }

  close(): void {
    this.#closed = true;
    this.#file.close();
  }

  #existing(key: ObjectKey): StoredObject {
    const stored = this.#index.get(key);
    if (!stored) throw errors.notFound(this.#describe(key), key.name);
    return stored;
  }

  #check(
    key: ObjectKey,
    current: StoredObject,
    preconditions: Preconditions | undefined,
    staleVersion: string,
  ): void {
    if (!preconditions) return;
    if (preconditions.uid !== undefined) {
      const uid = parse(current.json).metadata.uid;
      if (uid !== preconditions.uid) {
        throw errors.conflict(
          this.#describe(key),
          key.name,
          `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${uid ?? ''}`,
        );
      }
    }
    if (
      preconditions.resourceVersion !== undefined &&
      preconditions.resourceVersion !== String(current.revision)
    ) {
      throw errors.conflict(this.#describe(key), key.name, staleVersion);
    }
  }

  /** Runs the SQLite write; a failure (disk full, I/O error) becomes a 500 and leaves memory untouched. */
  #durably(write: () => void): void {
    try {
      write();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw errors.internal(
        `storage write failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** After a durable write: advance the revision, update memory, record and publish the event. */
  #commit(
    key: ObjectKey,
    type: WatchEventType,
    revision: number,
    objectJson: string,
    previousJson: string | undefined,
  ): void {
    this.#revision = revision;
    if (type === 'DELETED') this.#index.delete(key);
    else this.#index.set(key, { json: objectJson, revision });
    const event: RecordedEvent = { type, key: { ...key }, revision, objectJson, previousJson };
    this.#history.append(event);
    this.#hub.publish(event);
  }

  #assertOpen(): void {
    if (this.#closed) throw errors.internal('the store is closed');
  }
}

/** `vmsnap.io/vmsnapshots` -> {group: 'vmsnap.io', resourceOrKind: 'vmsnapshots'}; `/namespaces` -> core. */
export function qualifiedFromKey(key: ObjectKey): Qualified {
  const slash = key.resource.indexOf('/');
  if (slash < 0) return { group: '', resourceOrKind: key.resource };
  return { group: key.resource.slice(0, slash), resourceOrKind: key.resource.slice(slash + 1) };
}

function withResourceVersion(object: KubeObject, revision: number): KubeObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } };
}

/** A value JSON cannot hold (BigInt, a cycle) is a caller bug: say which object, keep the store unchanged. */
function serialize(key: ObjectKey, object: KubeObject): string {
  try {
    return JSON.stringify(object);
  } catch (error) {
    throw errors.internal(
      `object ${key.namespace}/${key.name} cannot be stored as JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function parse(json: string): KubeObject {
  return JSON.parse(json) as KubeObject;
}

/** The key is authoritative; an object saying otherwise is a caller bug that would corrupt lists and watches. */
function assertKeyMatches(key: ObjectKey, object: KubeObject): void {
  const name = object.metadata?.name;
  const namespace = object.metadata?.namespace ?? '';
  if (name !== key.name || namespace !== key.namespace) {
    throw errors.internal(
      `object ${namespace}/${name} stored under key ${key.resource} ${key.namespace}/${key.name}`,
    );
  }
}
