// Store benchmark: write throughput with synchronous=FULL vs NORMAL, list time and memory with 10,000 objects.
// Run: node bench/store-writes.ts [writes per mode, default 2000]. Figures go to docs/performance.md "## Store".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type SqliteSynchronous } from '../src/apiserver/storage/sqlite-store.ts';
import type { Store } from '../src/apiserver/storage/store.ts';
import type { KubeObject, ObjectKey } from '../src/apiserver/types.ts';

const RESOURCE = 'vmsnap.io/vmsnapshots';
const WRITES = Number(process.argv[2] ?? 2000);
const LIST_OBJECTS = 10_000;
const NAMESPACES = 10;

/** About the size of a real VMSnapshot with kubectl's last-applied annotation and managedFields (~1.3 KB). */
function snapshotObject(namespace: string, name: string, generation: number): KubeObject {
  const spec = { virtualMachineName: 'web-1', memory: true, quiesce: false, deletionPolicy: 'Delete' };
  return {
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'VMSnapshot',
    metadata: {
      name,
      namespace,
      uid: `00000000-0000-4000-8000-${String(generation).padStart(12, '0')}`,
      generation,
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: { app: 'web', tier: 'front', 'vmsnap.io/vm': 'web-1' },
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
          apiVersion: 'vmsnap.io/v1alpha1',
          kind: 'VMSnapshot',
          metadata: { name, namespace },
          spec,
        }),
      },
      finalizers: ['vmsnap.io/snapshot-protection'],
      managedFields: [
        {
          manager: 'kubectl-client-side-apply',
          operation: 'Update',
          apiVersion: 'vmsnap.io/v1alpha1',
          time: '2026-01-01T00:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:virtualMachineName': {}, 'f:memory': {}, 'f:quiesce': {} } },
        },
      ],
    },
    spec,
    status: {
      observedGeneration: generation,
      phase: 'Ready',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'SnapshotTaken',
          message: 'snapshot taken on kvm-01',
          observedGeneration: generation,
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    },
  };
}

function keyOf(namespace: string, name: string): ObjectKey {
  return { resource: RESOURCE, namespace, name };
}

function perSecond(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function timeEach(count: number, op: (i: number) => void): { total: number; p50: number; p99: number } {
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    op(i);
    latencies.push(performance.now() - t);
  }
  const total = performance.now() - start;
  latencies.sort((a, b) => a - b);
  return { total, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

function measureWrites(dir: string, synchronous: SqliteSynchronous): void {
  const store = openSqliteStore({ path: join(dir, `writes-${synchronous}.db`), synchronous });
  const creates = timeEach(WRITES, (i) => {
    store.create(keyOf('bench', `s-${i}`), snapshotObject('bench', `s-${i}`, 1));
  });
  const updates = timeEach(WRITES, (i) => {
    const key = keyOf('bench', `s-${i}`);
    const current = store.get(key)!;
    store.update(
      key,
      { ...current, status: { observedGeneration: 2 } },
      {
        resourceVersion: current.metadata.resourceVersion!,
      },
    );
  });
  store.close();
  const ms = (value: number) => value.toFixed(3);
  console.log(
    `| ${synchronous} | ${perSecond(WRITES, creates.total)} | ${ms(creates.p50)} / ${ms(creates.p99)} | ` +
      `${perSecond(WRITES, updates.total)} | ${ms(updates.p50)} / ${ms(updates.p99)} |`,
  );
}

function median(runs: number, op: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    op();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function measureLargeStore(dir: string): void {
  const path = join(dir, 'large.db');
  const rssBefore = process.memoryUsage().rss;
  let store: Store = openSqliteStore({ path, synchronous: 'NORMAL' });
  const fill = performance.now();
  for (let i = 0; i < LIST_OBJECTS; i++) {
    const namespace = `ns-${i % NAMESPACES}`;
    store.create(keyOf(namespace, `s-${i}`), snapshotObject(namespace, `s-${i}`, 1));
  }
  const fillMs = performance.now() - fill;
  store.close();

  globalThis.gc?.();
  const open = performance.now();
  store = openSqliteStore({ path });
  const openMs = performance.now() - open;
  globalThis.gc?.();
  const rssLoaded = process.memoryUsage().rss;
  const heapLoaded = process.memoryUsage().heapUsed;

  const listAll = median(7, () => store.list(RESOURCE));
  const listNamespace = median(7, () => store.list(RESOURCE, 'ns-3'));
  const get = median(7, () => {
    for (let i = 0; i < 1000; i++) store.get(keyOf(`ns-${i % NAMESPACES}`, `s-${i}`));
  });
  store.close();

  console.log(`\n${LIST_OBJECTS} objects (~1.3 KB JSON each), ${NAMESPACES} namespaces:`);
  console.log(`- fill with ${LIST_OBJECTS} creates (NORMAL): ${fillMs.toFixed(0)} ms`);
  console.log(`- reopen (load all into memory): ${openMs.toFixed(0)} ms`);
  console.log(`- list all ${LIST_OBJECTS}: ${listAll.toFixed(1)} ms (median of 7)`);
  console.log(
    `- list one namespace (${LIST_OBJECTS / NAMESPACES}): ${listNamespace.toFixed(1)} ms (median of 7)`,
  );
  console.log(`- 1000 gets: ${get.toFixed(1)} ms`);
  console.log(
    `- RSS: ${(rssBefore / 2 ** 20).toFixed(0)} MiB before, ${(rssLoaded / 2 ** 20).toFixed(0)} MiB with the store loaded ` +
      `(heap used ${(heapLoaded / 2 ** 20).toFixed(0)} MiB)`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'vmsnap-bench-'));
try {
  console.log(`Node ${process.version}, ${WRITES} writes per mode, database in ${dir}\n`);
  console.log('| synchronous | creates/s | create p50 / p99 ms | updates/s | update p50 / p99 ms |');
  console.log('|---|---|---|---|---|');
  measureWrites(dir, 'FULL');
  measureWrites(dir, 'NORMAL');
  measureLargeStore(dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
