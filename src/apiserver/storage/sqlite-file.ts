import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { ObjectKey } from '../types.ts';

/**
 * `FULL`: every commit fsyncs the WAL, so it survives power loss. `NORMAL`: the WAL is written (not fsynced) at
 * commit, so a commit survives the process being killed (the OS keeps the written pages) but the last commits
 * can be lost on power loss or a kernel crash. See docs/performance.md "## Store" for the measured cost.
 */
export type SqliteSynchronous = 'FULL' | 'NORMAL';

export interface LoadedRow {
  key: ObjectKey;
  json: string;
  revision: number;
}

const SCHEMA_VERSION = 1;

/**
 * The durable half of the store: one SQLite database in WAL mode holding every object's JSON and the revision
 * counter. Each write is one transaction that changes the object row and the counter together, so after a
 * crash either both are there or neither is.
 *
 * The file is opened with an exclusive lock held until close: the store's in-memory index is only right while
 * this process is the database's only writer, so a second process opening the same file fails at once.
 */
export class SqliteFile {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #update: StatementSync;
  readonly #remove: StatementSync;
  readonly #setRevision: StatementSync;
  readonly #begin: StatementSync;
  readonly #commit: StatementSync;
  readonly #rollback: StatementSync;

  constructor(path: string, synchronous: SqliteSynchronous) {
    try {
      this.#db = new DatabaseSync(path);
    } catch (error) {
      throw describeOpenError(path, error);
    }
    try {
      this.#db.exec('PRAGMA locking_mode = EXCLUSIVE');
      this.#db.exec('PRAGMA journal_mode = WAL');
      this.#db.exec(`PRAGMA synchronous = ${synchronous}`);
      this.#migrate(path);
    } catch (error) {
      this.#db.close();
      throw describeOpenError(path, error);
    }
    this.#insert = this.#db.prepare(
      'INSERT INTO objects (resource, namespace, name, revision, body) VALUES (?, ?, ?, ?, ?)',
    );
    this.#update = this.#db.prepare(
      'UPDATE objects SET revision = ?, body = ? WHERE resource = ? AND namespace = ? AND name = ?',
    );
    this.#remove = this.#db.prepare('DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?');
    this.#setRevision = this.#db.prepare("UPDATE counters SET value = ? WHERE name = 'revision'");
    this.#begin = this.#db.prepare('BEGIN IMMEDIATE');
    this.#commit = this.#db.prepare('COMMIT');
    this.#rollback = this.#db.prepare('ROLLBACK');
  }

  /**
   * The last committed revision. Taken as the larger of the counter and the newest object row so that a
   * counter edited by hand can never make revisions repeat.
   */
  readRevision(): number {
    const counter = this.#db.prepare("SELECT value FROM counters WHERE name = 'revision'").get() as
      | { value: number }
      | undefined;
    const newest = this.#db.prepare('SELECT MAX(revision) AS value FROM objects').get() as {
      value: number | null;
    };
    return Math.max(counter?.value ?? 0, newest.value ?? 0);
  }

  *loadAll(): Generator<LoadedRow> {
    const rows = this.#db.prepare('SELECT resource, namespace, name, revision, body FROM objects').iterate();
    for (const row of rows as Iterable<Record<string, string | number>>) {
      yield {
        key: { resource: String(row.resource), namespace: String(row.namespace), name: String(row.name) },
        revision: Number(row.revision),
        json: String(row.body),
      };
    }
  }

  insert(key: ObjectKey, revision: number, json: string): void {
    this.#transaction(revision, () => {
      this.#insert.run(key.resource, key.namespace, key.name, revision, json);
    });
  }

  update(key: ObjectKey, revision: number, json: string): void {
    this.#transaction(revision, () => {
      const { changes } = this.#update.run(revision, json, key.resource, key.namespace, key.name);
      if (Number(changes) !== 1) throw new Error(`sqlite row for ${describeKey(key)} is missing`);
    });
  }

  remove(key: ObjectKey, revision: number): void {
    this.#transaction(revision, () => {
      const { changes } = this.#remove.run(key.resource, key.namespace, key.name);
      if (Number(changes) !== 1) throw new Error(`sqlite row for ${describeKey(key)} is missing`);
    });
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  /** Runs `change` and the revision counter update as one transaction; durable when this returns. */
  #transaction(revision: number, change: () => void): void {
    this.#begin.run();
    try {
      change();
      this.#setRevision.run(revision);
      this.#commit.run();
    } catch (error) {
      if (this.#db.isTransaction) this.#rollback.run();
      throw error;
    }
  }

  #migrate(path: string): void {
    const { user_version: version } = this.#db.prepare('PRAGMA user_version').get() as {
      user_version: number;
    };
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `store file ${path} has schema version ${version}; this vmsnap understands up to ${SCHEMA_VERSION}`,
      );
    }
    // Run as a write even when the schema exists: it takes the exclusive lock now, not at the first write.
    this.#db.exec(`
      BEGIN IMMEDIATE;
      CREATE TABLE IF NOT EXISTS objects (
        resource TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        revision INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (resource, namespace, name)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
      INSERT OR IGNORE INTO counters (name, value) VALUES ('revision', 0);
      PRAGMA user_version = ${SCHEMA_VERSION};
      COMMIT;
    `);
  }
}

function describeKey(key: ObjectKey): string {
  return `${key.resource} ${key.namespace ? `${key.namespace}/` : ''}${key.name}`;
}

function describeOpenError(path: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (/database is locked|SQLITE_BUSY/i.test(message)) {
    return new Error(`store file ${path} is in use by another process (${message})`, { cause: error });
  }
  return new Error(`cannot open store file ${path}: ${message}`, { cause: error });
}
