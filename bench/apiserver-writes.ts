// Write throughput of the embedded control plane over HTTPS with real @kubernetes/client-node: creates of a custom
// resource and status merge-patches through /status, sequential and with 8 requests in flight.
// Run: node bench/apiserver-writes.ts [writes per mode, default 1000]. Figures: docs/performance.md
// "## Embedded control plane". The server runs in a child process (its own event loop and core).
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GAUGES, gauge, installGaugesCrd } from './lib/bench-crd.ts';
import { makeDataDir, removeDataDir, startChildControlPlane } from './lib/child-control-plane.ts';
import { exitAfterMinutes } from './lib/deadline.ts';
import { cpuMs } from './lib/proc-status.ts';
import { fmt, machineLine, markdownTable, perSecond, runPool, summarize } from './lib/stats.ts';

const WRITES = Number(process.argv[2] ?? 1000);
const CONCURRENCY = 8;
const WARMUP = 50;
if (!Number.isInteger(WRITES) || WRITES < 1 || WRITES > 50_000) {
  throw new Error(`writes per mode must be an integer in 1..50000, got ${process.argv[2]}`);
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface ModeResult {
  mode: string;
  concurrency: number;
  ms: number;
  latencies: number[];
  /** CPU time per write: where the time goes (client-node + TLS here, or the server). */
  serverCpuMs: number;
  clientCpuMs: number;
}

async function measure(
  serverPid: number,
  mode: string,
  concurrency: number,
  write: (i: number) => Promise<unknown>,
): Promise<ModeResult> {
  const latencies: number[] = [];
  const serverCpuBefore = await cpuMs(serverPid);
  const clientCpuBefore = process.cpuUsage();
  const start = performance.now();
  await runPool(WRITES, concurrency, async (i) => {
    const sent = performance.now();
    await write(i);
    latencies.push(performance.now() - sent);
  });
  const ms = performance.now() - start;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  return {
    mode,
    concurrency,
    ms,
    latencies,
    serverCpuMs: ((await cpuMs(serverPid)) - serverCpuBefore) / WRITES,
    clientCpuMs: (clientCpu.user + clientCpu.system) / 1000 / WRITES,
  };
}

exitAfterMinutes(10, 'apiserver-writes');
const dataDir = await makeDataDir();
const server = await startChildControlPlane(dataDir);
try {
  await installGaugesCrd(server.kubeConfig);
  const api = server.kubeConfig.makeApiClient(CustomObjectsApi);
  const create = (name: string) => api.createNamespacedCustomObject({ ...GAUGES, body: gauge(name) });
  const patchStatus = (name: string, value: number) =>
    api.patchNamespacedCustomObjectStatus(
      { ...GAUGES, name, body: { status: { value, message: `sample ${value}` } } },
      mergePatch,
    );

  // Warm up connections, the JIT and the schema validator before measuring.
  await runPool(WARMUP, CONCURRENCY, (i) => create(`warmup-${i}`).then(() => patchStatus(`warmup-${i}`, i)));

  const results = [
    await measure(server.pid, 'create', 1, (i) => create(`seq-${i}`)),
    await measure(server.pid, 'create', CONCURRENCY, (i) => create(`par-${i}`)),
    await measure(server.pid, 'status merge-patch', 1, (i) => patchStatus(`seq-${i}`, i)),
    await measure(server.pid, 'status merge-patch', CONCURRENCY, (i) => patchStatus(`par-${i}`, i)),
  ];

  console.log(`apiserver writes: ${WRITES} per mode, ${machineLine()}, server in a child process\n`);
  console.log(
    markdownTable(
      [
        'write',
        'in flight',
        'writes/s',
        'latency median ms',
        'p95 ms',
        'p99 ms',
        'server CPU ms/write',
        'client CPU ms/write',
      ],
      results.map((r) => {
        const s = summarize(r.latencies);
        return [
          r.mode,
          String(r.concurrency),
          fmt(perSecond(WRITES, r.ms), 0),
          fmt(s.median),
          fmt(s.p95),
          fmt(s.p99),
          fmt(r.serverCpuMs),
          fmt(r.clientCpuMs),
        ];
      }),
    ),
  );
} finally {
  await server.stop();
  await removeDataDir(dataDir);
}
