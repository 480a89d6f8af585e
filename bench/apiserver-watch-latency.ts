// Watch event latency of the embedded control plane: sequential creates through client-node, one client-node
// Watch on the collection; per write, the time from the write's response (and from sending it) to its ADDED event.
// Run: node bench/apiserver-watch-latency.ts [writes, default 3000]. Figures: docs/performance.md
// "## Embedded control plane". The server runs in a child process.
import { CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { GAUGES, GAUGES_PATH, type Gauge, gauge, installGaugesCrd } from './lib/bench-crd.ts';
import { makeDataDir, removeDataDir, startChildControlPlane } from './lib/child-control-plane.ts';
import { exitAfterMinutes } from './lib/deadline.ts';
import { fmt, machineLine, markdownTable, type Summary, summarize } from './lib/stats.ts';

const WRITES = Number(process.argv[2] ?? 3000);
const WARMUP = 100;
const DRAIN_TIMEOUT_MS = 10_000;
if (!Number.isInteger(WRITES) || WRITES < 1 || WRITES > 50_000) {
  throw new Error(`writes must be an integer in 1..50000, got ${process.argv[2]}`);
}

interface Timing {
  sent: number;
  responded?: number;
  event?: number;
}

exitAfterMinutes(10, 'apiserver-watch-latency');
const dataDir = await makeDataDir();
const server = await startChildControlPlane(dataDir);
let watch: AbortController | undefined;
try {
  await installGaugesCrd(server.kubeConfig);
  const api = server.kubeConfig.makeApiClient(CustomObjectsApi);
  const timings = new Map<string, Timing>();
  let watchError: unknown;
  let onEvent = () => {};

  const list = (await api.listNamespacedCustomObject(GAUGES)) as { metadata: { resourceVersion: string } };
  watch = await new Watch(server.kubeConfig).watch(
    GAUGES_PATH,
    { resourceVersion: list.metadata.resourceVersion },
    (type: string, object: Gauge) => {
      const timing = type === 'ADDED' ? timings.get(object.metadata?.name ?? '') : undefined;
      if (timing && timing.event === undefined) {
        timing.event = performance.now();
        onEvent();
      }
    },
    (error: unknown) => {
      watchError = error ?? new Error('the watch ended');
      onEvent();
    },
  );

  const write = async (name: string) => {
    const timing: Timing = { sent: performance.now() };
    timings.set(name, timing);
    await api.createNamespacedCustomObject({ ...GAUGES, body: gauge(name) });
    timing.responded = performance.now();
  };
  for (let i = 0; i < WARMUP; i++) await write(`warmup-${i}`);
  for (let i = 0; i < WRITES; i++) await write(`w-${i}`);

  // Wait for the last events (or give up after DRAIN_TIMEOUT_MS and report how many never came).
  const measured = [...timings].filter(([name]) => name.startsWith('w-')).map(([, t]) => t);
  const missing = () => measured.filter((t) => t.event === undefined).length;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
    onEvent = () => {
      if (missing() === 0 || watchError) {
        clearTimeout(timer);
        resolve();
      }
    };
    onEvent();
  });
  if (watchError) throw new Error(`the watch failed: ${watchError}`);

  const arrived = measured.filter((t) => t.event !== undefined && t.responded !== undefined);
  const afterResponse = summarize(arrived.map((t) => t.event! - t.responded!));
  const afterSend = summarize(arrived.map((t) => t.event! - t.sent));
  const beforeResponse = arrived.filter((t) => t.event! < t.responded!).length;

  console.log(
    `apiserver watch latency: ${WRITES} sequential creates, ${machineLine()}, server in a child process\n`,
  );
  const row = (label: string, s: Summary) => [
    label,
    fmt(s.count, 0),
    fmt(s.median),
    fmt(s.p95),
    fmt(s.p99),
    fmt(s.max),
  ];
  console.log(
    markdownTable(
      ['measured from', 'events', 'median ms', 'p95 ms', 'p99 ms', 'max ms'],
      [row('write response received', afterResponse), row('write request sent', afterSend)],
    ),
  );
  console.log(
    `\nevents that arrived before their write's response: ${beforeResponse} (negative "after response" figures); missing events: ${missing()}`,
  );
} finally {
  watch?.abort();
  await server.stop();
  await removeDataDir(dataDir);
}
