// Server memory under sustained writes that add no objects: status merge-patches round-robin over 100 Gauges,
// with the server's RSS and JS heap read after a forced GC every `step` writes. Flat = no leak in the write path.
// Run: node bench/apiserver-memory-soak.ts [writes, default 20000] [step, default 5000]. Figures:
// docs/performance.md "## Embedded control plane". The server runs in a child process.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GAUGES, gauge, installGaugesCrd } from './lib/bench-crd.ts';
import {
  type ChildControlPlane,
  makeDataDir,
  removeDataDir,
  startChildControlPlane,
} from './lib/child-control-plane.ts';
import { exitAfterMinutes } from './lib/deadline.ts';
import { residentMiB } from './lib/proc-status.ts';
import { fmt, machineLine, markdownTable, runPool } from './lib/stats.ts';

const WRITES = Number(process.argv[2] ?? 20_000);
const STEP = Number(process.argv[3] ?? 5_000);
const OBJECTS = 100;
const CONCURRENCY = 8;
if (!Number.isInteger(WRITES) || WRITES < 1 || WRITES > 500_000) {
  throw new Error(`writes must be an integer in 1..500000, got ${process.argv[2]}`);
}
if (!Number.isInteger(STEP) || STEP < 1 || STEP > WRITES) {
  throw new Error(`step must be an integer in 1..${WRITES}, got ${process.argv[3]}`);
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

async function reading(server: ChildControlPlane, writes: number): Promise<string[]> {
  const afterGc = await server.memoryAfterGc();
  return [
    fmt(writes, 0),
    fmt(await residentMiB(server.pid), 0),
    fmt(afterGc.heapUsed, 1),
    fmt(afterGc.heapTotal, 1),
    fmt(afterGc.external, 1),
  ];
}

exitAfterMinutes(30, 'apiserver-memory-soak');
const dataDir = await makeDataDir();
const server = await startChildControlPlane(dataDir);
try {
  await installGaugesCrd(server.kubeConfig);
  const api = server.kubeConfig.makeApiClient(CustomObjectsApi);
  await runPool(OBJECTS, CONCURRENCY, async (i) => {
    await api.createNamespacedCustomObject({ ...GAUGES, body: gauge(`soak-${i}`) });
  });
  const rows = [await reading(server, 0)];
  let written = 0;
  while (written < WRITES) {
    const batch = Math.min(STEP, WRITES - written);
    const offset = written;
    await runPool(batch, CONCURRENCY, async (i) => {
      const n = offset + i;
      await api.patchNamespacedCustomObjectStatus(
        { ...GAUGES, name: `soak-${n % OBJECTS}`, body: { status: { value: n } } },
        mergePatch,
      );
    });
    written += batch;
    rows.push(await reading(server, written));
  }
  console.log(
    `apiserver memory soak: ${WRITES} status merge-patches over ${OBJECTS} objects, ${machineLine()}\n`,
  );
  console.log(
    markdownTable(
      ['writes', 'VmRSS after GC MiB', 'JS heap used MiB', 'JS heap total MiB', 'external MiB'],
      rows,
    ),
  );
} finally {
  await server.stop();
  await removeDataDir(dataDir);
}
