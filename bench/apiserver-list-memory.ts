// Lists of 10,000 custom resources through the embedded control plane (JSON and Table: time and size), and the
// server's resident memory before and after storing them, and after a restart on them.
// Run: node bench/apiserver-list-memory.ts [objects, default 10000]. Figures: docs/performance.md
// "## Embedded control plane". The server runs in a child process; RSS is its /proc/<pid>/status VmRSS.
import { CustomObjectsApi } from '@kubernetes/client-node';
import { GAUGES, GAUGES_PATH, gauge, installGaugesCrd } from './lib/bench-crd.ts';
import {
  type ChildControlPlane,
  type HeapReport,
  makeDataDir,
  removeDataDir,
  startChildControlPlane,
} from './lib/child-control-plane.ts';
import { exitAfterMinutes } from './lib/deadline.ts';
import { cpuMs, residentMiB } from './lib/proc-status.ts';
import { keepAliveAgent, type RawGetResult, rawGet } from './lib/raw-get.ts';
import { fmt, machineLine, markdownTable, runPool, summarize } from './lib/stats.ts';

const OBJECTS = Number(process.argv[2] ?? 10_000);
const FILL_CONCURRENCY = 8;
const LIST_REPEATS = 7;
const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
if (!Number.isInteger(OBJECTS) || OBJECTS < 1 || OBJECTS > 100_000) {
  throw new Error(`objects must be an integer in 1..100000, got ${process.argv[2]}`);
}

/** Lets the server settle (pending GC, sockets) before a memory reading. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 2000));

interface MemoryReading {
  stage: string;
  /** VmRSS as the kernel reports it, before anything forces a GC. */
  vmRss: number;
  afterGc: HeapReport;
}

async function readMemory(server: ChildControlPlane, stage: string): Promise<MemoryReading> {
  await settle();
  const vmRss = await residentMiB(server.pid);
  return { stage, vmRss, afterGc: await server.memoryAfterGc() };
}

exitAfterMinutes(15, 'apiserver-list-memory');
const dataDir = await makeDataDir();
let server = await startChildControlPlane(dataDir);
try {
  await installGaugesCrd(server.kubeConfig);
  const api = server.kubeConfig.makeApiClient(CustomObjectsApi);
  const memory: MemoryReading[] = [await readMemory(server, 'CRD installed, no objects')];

  const fillStart = performance.now();
  await runPool(OBJECTS, FILL_CONCURRENCY, async (i) => {
    await api.createNamespacedCustomObject({ ...GAUGES, body: gauge(`g-${String(i).padStart(5, '0')}`) });
  });
  const fillMs = performance.now() - fillStart;
  memory.push(await readMemory(server, `${OBJECTS} objects created through the API`));

  const agent = keepAliveAgent(server.caCertPem);
  /** Server CPU ms per list, by format: unlike wall time, barely affected by other load on the machine. */
  const serverCpuPerList = new Map<string, number>();
  const rawList = async (accept: string) => {
    const runs: RawGetResult[] = [];
    const cpuBefore = await cpuMs(server.pid);
    for (let i = 0; i < LIST_REPEATS; i++) {
      const result = await rawGet(server, agent, GAUGES_PATH, accept);
      if (result.status !== 200) throw new Error(`list answered ${result.status}: ${result.body.toString()}`);
      runs.push(result);
    }
    serverCpuPerList.set(accept, ((await cpuMs(server.pid)) - cpuBefore) / LIST_REPEATS);
    return runs;
  };
  const json = await rawList('application/json');
  const table = await rawList(TABLE_ACCEPT);
  const jsonBody = JSON.parse(json[0]!.body.toString()) as { items?: unknown[] };
  if (jsonBody.items?.length !== OBJECTS) {
    throw new Error(`expected a list of ${OBJECTS} items, got ${jsonBody.items?.length}`);
  }
  const tableBody = JSON.parse(table[0]!.body.toString()) as { kind?: string; rows?: unknown[] };
  if (tableBody.kind !== 'Table' || tableBody.rows?.length !== OBJECTS) {
    throw new Error(
      `expected a Table of ${OBJECTS} rows, got kind ${tableBody.kind} with ${tableBody.rows?.length}`,
    );
  }
  const clientNodeMs: number[] = [];
  const clientNodeCpuBefore = await cpuMs(server.pid);
  for (let i = 0; i < LIST_REPEATS; i++) {
    const start = performance.now();
    const list = (await api.listNamespacedCustomObject(GAUGES)) as { items: unknown[] };
    clientNodeMs.push(performance.now() - start);
    if (list.items.length !== OBJECTS)
      throw new Error(`client-node listed ${list.items.length} of ${OBJECTS}`);
  }
  serverCpuPerList.set('client-node', ((await cpuMs(server.pid)) - clientNodeCpuBefore) / LIST_REPEATS);
  agent.destroy();
  memory.push(await readMemory(server, `after the ${LIST_REPEATS * 3} lists`));

  await server.stop();
  server = await startChildControlPlane(dataDir);
  memory.push(await readMemory(server, `fresh process on the ${OBJECTS} stored objects`));

  console.log(`apiserver list + memory: ${OBJECTS} Gauges in one namespace, ${machineLine()}\n`);
  console.log(`fill through client-node (8 in flight): ${fmt(fillMs / 1000, 1)} s\n`);
  const listRow = (label: string, ms: number[], cpu: number | undefined, bytes: number | undefined) => {
    const s = summarize(ms);
    return [
      label,
      fmt(s.median, 1),
      fmt(s.max, 1),
      cpu === undefined ? '-' : fmt(cpu, 0),
      bytes === undefined ? '-' : fmt(bytes / 1024 / 1024, 2),
    ];
  };
  console.log(
    markdownTable(
      [
        `list of ${OBJECTS} (${LIST_REPEATS} runs)`,
        'median ms',
        'max ms',
        'server CPU ms/list',
        'response MiB',
      ],
      [
        listRow(
          'JSON, raw HTTPS (to last byte)',
          json.map((r) => r.ms),
          serverCpuPerList.get('application/json'),
          json[0]!.bytes,
        ),
        listRow(
          'Table, raw HTTPS (to last byte)',
          table.map((r) => r.ms),
          serverCpuPerList.get(TABLE_ACCEPT),
          table[0]!.bytes,
        ),
        listRow(
          'JSON, client-node listNamespacedCustomObject (decoded)',
          clientNodeMs,
          serverCpuPerList.get('client-node'),
          undefined,
        ),
      ],
    ),
  );
  console.log('');
  console.log(
    markdownTable(
      ['server', 'VmRSS MiB', 'RSS after full GC MiB', 'JS heap used / total after GC MiB', 'external MiB'],
      memory.map((m) => [
        m.stage,
        fmt(m.vmRss, 0),
        fmt(m.afterGc.rss, 0),
        `${fmt(m.afterGc.heapUsed, 1)} / ${fmt(m.afterGc.heapTotal, 1)}`,
        fmt(m.afterGc.external, 1),
      ]),
    ),
  );
} finally {
  await server.stop();
  await removeDataDir(dataDir);
}
