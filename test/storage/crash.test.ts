import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { SqliteSynchronous } from '../../src/apiserver/storage/sqlite-store.ts';
import { key, SNAPSHOTS, snapshot, tempStores } from './store-fixtures.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const nodeBinary = join(root, 'node_modules/.bin/node');
const writer = join(root, 'test/storage/fixtures/crash-writer.ts');

const nodeMissing = !existsSync(nodeBinary);
if (nodeMissing && process.env.CI !== 'true') {
  console.warn(`\n!!! SKIPPING the kill -9 crash test: ${nodeBinary} is missing (run npm install) !!!\n`);
}

interface CrashRun {
  /** The revision the child's store opened at. */
  openedAt: number;
  /** Last acknowledged revision of every key the child wrote. */
  acknowledged: Map<string, number>;
}

/** Runs the writer until it has acknowledged `killAfter` writes, then SIGKILLs it mid-burst. */
function writeUntilKilled(path: string, runId: string, synchronous: SqliteSynchronous, killAfter: number) {
  return new Promise<CrashRun>((resolve, reject) => {
    const child = spawn(nodeBinary, [writer, path, runId, synchronous], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: CrashRun = { openedAt: -1, acknowledged: new Map() };
    let pending = '';
    let stderr = '';
    let acks = 0;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      // A line cut by the kill has no newline yet: it is not an acknowledgement.
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const [word, first, second] = line.split(' ');
        if (word === 'OPENED') run.openedAt = Number(first);
        if (word === 'ACK' && first && second) {
          run.acknowledged.set(first, Number(second));
          acks++;
        }
      }
      if (acks >= killAfter && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(run);
      else reject(new Error(`writer exited on its own (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

describe.skipIf(nodeMissing && process.env.CI !== 'true')(
  'SqliteStore: kill -9 in the middle of writes',
  () => {
    const stores = tempStores();
    afterAll(() => stores.cleanup());

    it.each<SqliteSynchronous>(['NORMAL', 'FULL'])(
      'keeps every acknowledged write with synchronous=%s, run after run',
      async (synchronous) => {
        expect(existsSync(nodeBinary), `${nodeBinary} must exist`).toBe(true);
        const path = join(stores.dir, `crash-${synchronous}.db`);
        const acknowledged = new Map<string, number>();
        let highest = 0;

        for (let run = 0; run < 3; run++) {
          const killAfter = 100 + Math.floor(Math.random() * 400);
          const result = await writeUntilKilled(path, `run${run}`, synchronous, killAfter);
          expect(result.openedAt).toBeGreaterThanOrEqual(highest);
          for (const [name, revision] of result.acknowledged) {
            acknowledged.set(name, revision);
            highest = Math.max(highest, revision);
          }
          expect(result.acknowledged.size).toBeGreaterThan(0);
        }

        const integrity = new DatabaseSync(path);
        expect(integrity.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
        integrity.close();

        const store = stores.open({ synchronous }, `crash-${synchronous}.db`);
        const missing: string[] = [];
        for (const [name, revision] of acknowledged) {
          const stored = store.get(key('crash', name));
          // A later write may have committed without being acknowledged, never an earlier state.
          if (!stored || Number(stored.metadata.resourceVersion) < revision)
            missing.push(`${name}@${revision}`);
        }
        expect(missing).toEqual([]);
        expect(store.currentRevision()).toBeGreaterThanOrEqual(highest);
        const next = store.create(key('crash', 'after'), snapshot('crash', 'after'));
        expect(Number(next.metadata.resourceVersion)).toBeGreaterThan(highest);
        expect(store.list(SNAPSHOTS, 'crash').items.length).toBeGreaterThanOrEqual(acknowledged.size + 1);
        store.close();
      },
    );
  },
);
