// The operator at scale on simulated hypervisors (issue 3, "Measure"): VMs x snapshots each, spread over a few
// sim hosts with maxConcurrentOperations 2, created as fast as a client can. Reports the time from the first
// create to the last Ready seen by a watch, the API writes per snapshot (from the store's revision counter:
// every create/update/delete takes one revision), and the operator's RSS.
//
//   node bench/operator-scale-sim.ts [vms=200] [snapshotsPerVm=10] [hosts=4] [workers=4] [maxMinutes=50]
//
// A run that is not done after maxMinutes still reports, marked partial, with the Ready count over time.
//
// Three processes, as in a deployment: the control plane (bench/lib/control-plane-child.ts), the operator with
// the sim hosts (bench/lib/operator-sim-child.ts), and this one, the client.

import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { installCrds } from '../src/operator/install-crds.ts';
import { KubeClient } from '../src/runtime/kube-client.ts';
import { makeDataDir, removeDataDir, startChildControlPlane } from './lib/child-control-plane.ts';
import { startLineChild } from './lib/line-child.ts';
import type { SimOperatorConfig } from './lib/operator-sim-child.ts';
import { cpuMs, residentMiB } from './lib/proc-status.ts';
import { fmt } from './lib/stats.ts';

const vmCount = Number(process.argv[2] ?? 200);
const snapshotsPerVm = Number(process.argv[3] ?? 10);
const hostCount = Number(process.argv[4] ?? 4);
const workers = Number(process.argv[5] ?? 4);
const maxMinutes = Number(process.argv[6] ?? 50);
const vmsPerHost = Math.ceil(vmCount / hostCount);
const GROUP = 'vmsnap.io';
const VERSION = 'v1alpha1';
const NS = 'default';
const CLIENT_CONCURRENCY = 16;
const MiB = 1024 * 1024;

/** Small latencies in the range the libvirt driver shows on a tiny VM (docs/performance.md, "## Drivers"). */
const LATENCY_MS = {
  probe: 20,
  getDomain: 20,
  listSnapshots: 20,
  getSnapshot: 20,
  createSnapshot: 150,
  deleteSnapshot: 60,
};

/** Runs `task` over `items` with at most `limit` in flight. */
async function pool<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

async function main(): Promise<void> {
  const dataDir = await makeDataDir();
  const controlPlane = await startChildControlPlane(dataDir);
  const api = controlPlane.kubeConfig.makeApiClient(CustomObjectsApi);
  const client = new KubeClient(controlPlane.kubeConfig, { fieldManager: 'bench' });
  const storeRevision = async () =>
    Number(
      (
        (await api.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: NS,
          plural: 'vmsnapshots',
        })) as {
          metadata: { resourceVersion: string };
        }
      ).metadata.resourceVersion,
    );
  let operator: Awaited<ReturnType<typeof startLineChild>> | undefined;
  let abortWatch: AbortController | undefined;
  try {
    await installCrds(client);
    const vms: Array<{ name: string; host: string }> = [];
    for (let h = 0; h < hostCount; h++) {
      await api.createClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: 'hypervisors',
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'Hypervisor',
          metadata: { name: `sim-${h}` },
          spec: { driver: 'sim', uri: `sim://sim-${h}`, maxConcurrentOperations: 2 },
        },
      });
      for (let i = 0; i < vmsPerHost && vms.length < vmCount; i++)
        vms.push({ name: `vm-${h}-${i}`, host: `sim-${h}` });
    }
    await pool(vms, CLIENT_CONCURRENCY, (vm) =>
      api.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: 'virtualmachines',
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'VirtualMachine',
          metadata: { name: vm.name },
          spec: { hypervisorName: vm.host, domain: vm.name },
        },
      }),
    );

    const config: SimOperatorConfig = { hosts: hostCount, vmsPerHost, workers, latencyMs: LATENCY_MS };
    operator = await startLineChild([
      '--expose-gc',
      join(import.meta.dirname, 'lib', 'operator-sim-child.ts'),
      controlPlane.kubeconfigPath,
      JSON.stringify(config),
    ]);
    const operatorPid = operator.pid;
    const startedAt = performance.now();
    for (;;) {
      const list = (await api.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: 'virtualmachines',
      })) as { items: Array<{ status?: { phase?: string } }> };
      if (list.items.filter((vm) => vm.status?.phase === 'Running').length === vms.length) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const vmsObservedMs = performance.now() - startedAt;
    const rssBefore = await residentMiB(operatorPid);
    const heapBefore = await operator.request<NodeJS.MemoryUsage>('memory');

    // Ready is observed as a user's tooling would: on a watch, counting distinct names.
    const ready = new Set<string>();
    const total = vms.length * snapshotsPerVm;
    let allReady!: () => void;
    const allReadyPromise = new Promise<void>((resolve) => {
      allReady = resolve;
    });
    abortWatch = await new Watch(controlPlane.kubeConfig).watch(
      `/apis/${GROUP}/${VERSION}/namespaces/${NS}/vmsnapshots`,
      {},
      (_type, obj: { metadata: { name: string }; status?: { phase?: string } }) => {
        if (obj.status?.phase !== 'Ready') return;
        ready.add(obj.metadata.name);
        if (ready.size === total) allReady();
      },
      (error) => {
        if (ready.size < total) console.error('watch ended early', error);
      },
    );

    const revisionBefore = await storeRevision();
    // CPU time used is the steadier figure on a shared machine: wall time stretches with everyone else's load.
    const operatorCpuBefore = await cpuMs(operatorPid);
    const controlPlaneCpuBefore = await cpuMs(controlPlane.pid);
    let rssPeak = rssBefore;
    const loads: number[] = [];
    const sampler = setInterval(async () => {
      loads.push(loadavg()[0] ?? 0);
      rssPeak = Math.max(rssPeak, await residentMiB(operatorPid).catch(() => 0));
    }, 1000);
    const snapshots: Array<{ name: string; vm: string }> = [];
    for (let k = 0; k < snapshotsPerVm; k++)
      for (const vm of vms) snapshots.push({ name: `${vm.name}-s${k}`, vm: vm.name });
    const t0 = performance.now();
    await pool(snapshots, CLIENT_CONCURRENCY, (s) =>
      api.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: 'vmsnapshots',
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'VMSnapshot',
          metadata: { name: s.name },
          // No failureDeadline: the last of a VM's 10 snapshots waits for the other 9, longer than the
          // default 10m at this scale, and would fail DeadlineExceeded instead of measuring throughput.
          spec: { vmName: s.vm, memory: true, failureDeadline: '0' },
        },
      }),
    );
    const createdMs = performance.now() - t0;
    const timeline: Array<[number, number]> = [];
    const progress = setInterval(() => {
      const seconds = (performance.now() - t0) / 1000;
      timeline.push([seconds, ready.size]);
      console.error(`  ${ready.size}/${total} Ready after ${seconds.toFixed(0)} s`);
    }, 60_000);
    const finished = await Promise.race([
      allReadyPromise.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), maxMinutes * 60_000).unref()),
    ]);
    const allReadyMs = performance.now() - t0;
    const readyCount = ready.size;
    clearInterval(progress);
    // The last Finish (VM status: currentSnapshot, hold released) follows the last Ready: wait for it, so the
    // write count covers every snapshot's whole life.
    for (;;) {
      if (!finished) break;
      const list = (await api.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: 'virtualmachines',
      })) as { items: Array<{ status?: { hold?: unknown } }> };
      if (list.items.every((vm) => vm.status?.hold === undefined)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    clearInterval(sampler);
    const revisionAfter = await storeRevision();
    const operatorCpu = (await cpuMs(operatorPid)) - operatorCpuBefore;
    const controlPlaneCpu = (await cpuMs(controlPlane.pid)) - controlPlaneCpuBefore;
    const rssAfter = await residentMiB(operatorPid);
    const heapAfter = await operator.request<NodeJS.MemoryUsage>('memory');
    const cpRss = await residentMiB(controlPlane.pid);
    const stats =
      await operator.request<Array<{ host: string; createSnapshot: number; maxInFlight: number }>>('stats');

    const writes = revisionAfter - revisionBefore;
    console.log(
      `Machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, load average (1 min) during the run ${fmt(Math.min(...loads), 1)}-${fmt(Math.max(...loads), 1)}; ` +
        `${vms.length} VMs on ${hostCount} sim hosts (maxConcurrentOperations 2), ${snapshotsPerVm} memory snapshots each, operator workers ${workers}, ` +
        `sim latencies ${JSON.stringify(LATENCY_MS)} ms\n`,
    );
    console.log('| measure | value |');
    console.log('|---|---|');
    console.log(`| VMs observed Running after operator start | ${fmt(vmsObservedMs / 1000, 1)} s |`);
    console.log(
      `| ${total} VMSnapshots created by the client (${CLIENT_CONCURRENCY} in flight) | ${fmt(createdMs / 1000, 1)} s |`,
    );
    if (finished) {
      console.log(
        `| **time to all ${total} Ready** (first create -> last Ready on a watch) | **${fmt(allReadyMs / 1000, 1)} s** (${fmt(total / (allReadyMs / 1000), 1)} snapshots/s) |`,
      );
    } else {
      console.log(
        `| **PARTIAL: Ready when stopped after ${maxMinutes} min** | **${readyCount} of ${total}** (${fmt(readyCount / (allReadyMs / 1000), 2)} snapshots/s) |`,
      );
    }
    console.log(
      `| Ready on the watch over time (s: count) | ${timeline.map(([t, n]) => `${fmt(t, 0)}: ${n}`).join(', ') || '-'} |`,
    );
    console.log(
      `| lower bound from the sim alone (${total} x ${LATENCY_MS.createSnapshot} ms / (${hostCount} hosts x 2 slots)) | ${fmt((total * LATENCY_MS.createSnapshot) / (hostCount * 2) / 1000, 1)} s |`,
    );
    if (finished) {
      console.log(
        `| API writes per snapshot, all (store revisions / snapshots, incl. the client's create) | ${fmt(writes / total, 2)} |`,
      );
      console.log(`| API writes per snapshot by the operator | ${fmt(writes / total - 1, 2)} |`);
    } else {
      console.log(
        `| API writes so far (store revisions, incl. the client's ${total} creates) / Ready snapshots | ${writes} / ${readyCount} = ${fmt(writes / Math.max(1, readyCount), 2)} (writes for unfinished snapshots included) |`,
      );
    }
    const done = finished ? total : Math.max(1, readyCount);
    console.log(
      `| CPU per Ready snapshot: operator / control plane (ms) | ${fmt(operatorCpu / done, 1)} / ${fmt(controlPlaneCpu / done, 1)} |`,
    );
    console.log(
      `| createSnapshot calls on the sim hosts | ${stats.reduce((n, s) => n + s.createSnapshot, 0)} |`,
    );
    console.log(
      `| max snapshot operations in flight per host | ${stats.map((s) => s.maxInFlight).join(', ')} |`,
    );
    console.log(
      `| operator RSS: VMs synced / peak / after (MiB) | ${fmt(rssBefore, 0)} / ${fmt(rssPeak, 0)} / ${fmt(rssAfter, 0)} |`,
    );
    console.log(
      `| operator JS heap used after GC: before / after (MiB) | ${fmt(heapBefore.heapUsed / MiB, 0)} / ${fmt(heapAfter.heapUsed / MiB, 0)} |`,
    );
    console.log(
      `| operator after GC: RSS / V8 heap reserved / external / array buffers (MiB) | ${fmt(heapAfter.rss / MiB, 0)} / ${fmt(heapAfter.heapTotal / MiB, 0)} / ${fmt(heapAfter.external / MiB, 0)} / ${fmt(heapAfter.arrayBuffers / MiB, 0)} |`,
    );
    console.log(`| control plane RSS after (MiB; own process) | ${fmt(cpRss, 0)} |`);
  } finally {
    abortWatch?.abort();
    await operator?.stop();
    await controlPlane.stop();
    await removeDataDir(dataDir);
  }
}

await main();
