import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { httpsRequest } from '../support/https.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const nodeBinary = join(root, 'node_modules/.bin/node');
const serve = join(root, 'test/apiserver/fixtures/serve-control-plane.ts');
const NAMESPACE = 'default';

interface Served {
  child: ChildProcess;
  url: string;
  token: string;
  caCertPem: string;
}

/** Starts the control plane in its own process on `dataDir`; resolves once it serves. */
function serveInChild(dataDir: string): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(nodeBinary, [serve, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline >= 0) resolve({ child, ...JSON.parse(out.slice(0, newline)) });
    });
    child.on('exit', (code, signal) => reject(new Error(`control plane exited (${code ?? signal}): ${err}`)));
  });
}

function configMap(name: string) {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name },
    data: { payload: 'x'.repeat(200) },
  });
}

/**
 * Creates ConfigMaps from `writers` concurrent loops until `killAfter` creates were acknowledged (201), then
 * SIGKILLs the server mid-burst. Returns the acknowledged names with their resourceVersions.
 */
async function burstUntilKilled(served: Served, run: number, writers: number, killAfter: number) {
  const acknowledged = new Map<string, number>();
  let killed = false;
  const exited = new Promise<void>((resolve) => served.child.on('exit', () => resolve()));
  const writer = async (w: number) => {
    for (let i = 0; !killed; i++) {
      const name = `run${run}-w${w}-${i}`;
      try {
        const reply = await httpsRequest(served, `/api/v1/namespaces/${NAMESPACE}/configmaps`, {
          method: 'POST',
          token: served.token,
          headers: { 'Content-Type': 'application/json' },
          body: configMap(name),
        });
        if (reply.status === 201) {
          acknowledged.set(name, Number(JSON.parse(reply.body).metadata.resourceVersion));
        }
      } catch {
        return; // the connection died with the server: that write was never acknowledged
      }
      if (!killed && acknowledged.size >= killAfter) {
        killed = true;
        served.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  await exited;
  return acknowledged;
}

describe('the control plane after kill -9 during a burst of writes', () => {
  let dataDir: string;
  let last: Served | undefined;
  afterAll(async () => {
    last?.child.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write, opens cleanly and keeps resourceVersions increasing', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vmsnap-server-crash-'));
    const acknowledged = new Map<string, number>();
    let highest = 0;
    for (let run = 0; run < 3; run++) {
      const served = await serveInChild(dataDir);
      const acked = await burstUntilKilled(served, run, 8, 150 + Math.floor(Math.random() * 150));
      expect(acked.size).toBeGreaterThan(0);
      for (const [name, rv] of acked) {
        acknowledged.set(name, rv);
        highest = Math.max(highest, rv);
      }
    }

    last = await serveInChild(dataDir);
    const list = await httpsRequest(last, `/api/v1/namespaces/${NAMESPACE}/configmaps`, {
      token: last.token,
    });
    expect(list.status).toBe(200);
    const stored = new Map<string, number>(
      JSON.parse(list.body).items.map((item: { metadata: { name: string; resourceVersion: string } }) => [
        item.metadata.name,
        Number(item.metadata.resourceVersion),
      ]),
    );
    const missing = [...acknowledged]
      .filter(([name, rv]) => (stored.get(name) ?? -1) < rv)
      .map(([name]) => name);
    expect(missing).toEqual([]);

    const after = await httpsRequest(last, `/api/v1/namespaces/${NAMESPACE}/configmaps`, {
      method: 'POST',
      token: last.token,
      headers: { 'Content-Type': 'application/json' },
      body: configMap('after-restarts'),
    });
    expect(after.status).toBe(201);
    expect(Number(JSON.parse(after.body).metadata.resourceVersion)).toBeGreaterThan(highest);
  });
});
