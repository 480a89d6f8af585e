// Schedules at scale on simulated hypervisors (issue 8, "Measure"): S VMSnapshotSchedules over V VMs (V/S VMs
// each, selected by label, all in one namespace), all firing in the same minute, so one run is V snapshots. Reports
// the operator's CPU for the run, reconciles per controller, API writes per scheduled snapshot (from the control
// plane's audit sink, by verb and resource), and the time from the run time to the last snapshot Ready against the
// lower bound the hosts' maxConcurrentOperations sets.
//
//   node bench/schedule-scale-sim.ts [schedules=100] [vms=1000] [vmsPerHost=250] [workers=4] [maxMinutes=10] [spread=0]
//   BENCH_OPERATOR_CPU_PROFILE=/tmp/run.cpuprofile ... also profiles the operator over the run (V8 profiler) and
//   prints which source folders its CPU went to.
//
// Three processes, as in a deployment: the control plane (bench/lib/audited-control-plane-child.ts), the operator
// with the sim hosts (bench/lib/schedule-sim-operator-child.ts), and this one, the client. The clock is real: the
// schedules name one minute of the year (`M H D Mo *`) far enough ahead for the setup to finish first, so the run
// is exactly one run and nothing before it is due.

import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import { installCrds } from '../src/operator/install-crds.ts';
import { KubeClient } from '../src/runtime/kube-client.ts';
import { makeDataDir, removeDataDir } from './lib/child-control-plane.ts';
import { inclusiveShare } from './lib/cpu-profile-share.ts';
import { exitAfterMinutes } from './lib/deadline.ts';
import { startLineChild } from './lib/line-child.ts';
import { cpuMs } from './lib/proc-status.ts';
import type {
  ControllerFigures,
  HostFigures,
  ScheduleSimOperatorConfig,
} from './lib/schedule-sim-operator-child.ts';
import { fmt } from './lib/stats.ts';

const scheduleCount = Number(process.argv[2] ?? 100);
const vmCount = Number(process.argv[3] ?? 1000);
const vmsPerHost = Number(process.argv[4] ?? 250);
const workers = Number(process.argv[5] ?? 4);
const maxMinutes = Number(process.argv[6] ?? 10);
const spreadSeconds = Number(process.argv[7] ?? 0);
const hostCount = Math.max(1, Math.ceil(vmCount / vmsPerHost));
const vmsPerSchedule = Math.ceil(vmCount / scheduleCount);
const SLOTS_PER_HOST = 2;
const GROUP = 'vmsnap.io';
const VERSION = 'v1alpha1';
const NS = 'default';
const CLIENT_CONCURRENCY = 16;
const MINUTE_MS = 60_000;
const GROUP_LABEL = 'bench-group';
/** BENCH_OPERATOR_CPU_PROFILE=file: profile the operator over the run and attribute its CPU to these folders. */
const profileFile = process.env.BENCH_OPERATOR_CPU_PROFILE;
const PROFILED_FOLDERS = [
  'src/controllers/vmsnapshotschedule/',
  'src/schedule/',
  'src/controllers/vmsnapshot/',
  'src/controllers/virtualmachine/',
  'src/operator/',
  'src/runtime/',
  'src/api/',
  '@kubernetes/client-node',
];

/** Small latencies in the range the libvirt driver shows on a tiny VM (docs/performance.md, "## Drivers"). */
const LATENCY_MS = {
  probe: 20,
  getDomain: 20,
  listSnapshots: 20,
  getSnapshot: 20,
  createSnapshot: 150,
  deleteSnapshot: 60,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

type Counts = Record<string, number>;
const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete']);

/** Requests between two audit snapshots, writes only, largest first. */
function writesBetween(before: Counts, after: Counts): Array<[string, number]> {
  return Object.entries(after)
    .map(([key, n]): [string, number] => [key, n - (before[key] ?? 0)])
    .filter(([key, n]) => n > 0 && WRITE_VERBS.has(key.split(' ')[0] ?? ''))
    .sort((a, b) => b[1] - a[1]);
}

function requestsBetween(before: Counts, after: Counts, verb: string, resource: string): number {
  return Object.entries(after)
    .filter(([key]) => key.startsWith(`${verb} ${resource} `))
    .reduce((n, [key, value]) => n + value - (before[key] ?? 0), 0);
}

/** The minute the schedules name, as a cron expression for that minute once a year (UTC). */
function cronFor(at: Date): string {
  return `${at.getUTCMinutes()} ${at.getUTCHours()} ${at.getUTCDate()} ${at.getUTCMonth() + 1} *`;
}

async function main(): Promise<void> {
  exitAfterMinutes(maxMinutes + 15, 'schedule-scale-sim');
  const dataDir = await makeDataDir();
  const controlPlane = await startLineChild([
    join(import.meta.dirname, 'lib', 'audited-control-plane-child.ts'),
    dataDir,
  ]);
  const { kubeconfigPath } = controlPlane.handshake as { kubeconfigPath: string };
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const client = new KubeClient(kubeConfig, { fieldManager: 'bench' });
  const list = async <T>(plural: string, labelSelector?: string) =>
    (
      (await api.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural,
        ...(labelSelector ? { labelSelector } : {}),
      })) as { items: T[] }
    ).items;
  let operator: Awaited<ReturnType<typeof startLineChild>> | undefined;
  let abortWatch: AbortController | undefined;
  try {
    await installCrds(client);
    for (let h = 0; h < hostCount; h++) {
      await api.createClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: 'hypervisors',
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'Hypervisor',
          metadata: { name: `sim-${h}` },
          spec: { driver: 'sim', uri: `sim://sim-${h}`, maxConcurrentOperations: SLOTS_PER_HOST },
        },
      });
    }
    // VM i is on host i % hosts and in schedule group i / vmsPerSchedule: every schedule spans hosts.
    const vms = Array.from({ length: vmCount }, (_, i) => i);
    await pool(vms, CLIENT_CONCURRENCY, (i) =>
      api.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: 'virtualmachines',
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'VirtualMachine',
          metadata: { name: `vm-${i}`, labels: { [GROUP_LABEL]: `g-${Math.floor(i / vmsPerSchedule)}` } },
          spec: { hypervisorName: `sim-${i % hostCount}`, domain: `vm-${i}` },
        },
      }),
    );

    const config: ScheduleSimOperatorConfig = {
      hosts: hostCount,
      vms: vmCount,
      workers,
      latencyMs: LATENCY_MS,
    };
    operator = await startLineChild([
      join(import.meta.dirname, 'lib', 'schedule-sim-operator-child.ts'),
      kubeconfigPath,
      JSON.stringify(config),
    ]);
    const operatorPid = operator.pid;
    const setupStarted = performance.now();
    for (;;) {
      const running = (await list<{ status?: { phase?: string } }>('virtualmachines')).filter(
        (vm) => vm.status?.phase === 'Running',
      ).length;
      if (running === vmCount) break;
      await sleep(2_000);
    }
    const vmsObservedMs = performance.now() - setupStarted;

    // The run: the first whole minute after a budget for creating the schedules and their first reconciles.
    const budgetMs = 20_000 + scheduleCount * 20;
    const runAt = Math.ceil((Date.now() + budgetMs) / MINUTE_MS) * MINUTE_MS;
    const cron = cronFor(new Date(runAt));
    const total = vmCount;
    const ready = new Set<string>();
    let lastReadyAt = 0;
    let allReady!: () => void;
    const allReadyPromise = new Promise<void>((resolve) => {
      allReady = resolve;
    });
    abortWatch = await new Watch(kubeConfig).watch(
      `/apis/${GROUP}/${VERSION}/namespaces/${NS}/vmsnapshots`,
      {},
      (_type, obj: { metadata: { name: string }; status?: { phase?: string } }) => {
        if (obj.status?.phase !== 'Ready' || ready.has(obj.metadata.name)) return;
        ready.add(obj.metadata.name);
        lastReadyAt = Date.now();
        if (ready.size === total) allReady();
      },
      (error) => {
        if (ready.size < total) console.error('watch ended early', error);
      },
    );
    const schedules = Array.from({ length: scheduleCount }, (_, k) => k);
    const schedulesStarted = Date.now();
    await pool(schedules, CLIENT_CONCURRENCY, (k) =>
      api.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: 'vmsnapshotschedules',
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'VMSnapshotSchedule',
          metadata: { name: `s-${k}` },
          spec: {
            schedule: cron,
            selector: { matchLabels: { [GROUP_LABEL]: `g-${k}` } },
            // No failureDeadline: at full size a snapshot may queue longer than the default 10m for its host's
            // slots, and would then measure DeadlineExceeded instead of throughput.
            template: { failureDeadline: '0' },
            retention: { keepLast: 3 },
            spread: `${spreadSeconds}s`,
          },
        },
      }),
    );
    const schedulesCreatedMs = Date.now() - schedulesStarted;
    const lateBy = Date.now() - runAt;
    if (lateBy > 0) console.error(`  schedules were created ${fmt(lateBy / 1000, 1)} s after the run time`);

    // Baseline just before the run (after the schedules' first reconciles, which wrote their nextScheduleTime).
    await sleep(Math.max(0, runAt - 1_000 - Date.now()));
    const countsBefore = await controlPlane.request<Counts>('counts');
    const metricsBefore = await operator.request<Record<string, ControllerFigures>>('metrics');
    const operatorCpuBefore = await cpuMs(operatorPid);
    const controlPlaneCpuBefore = await cpuMs(controlPlane.pid);
    const loadBefore = loadavg()[0] ?? 0;
    if (profileFile) await operator.request('profile-start');

    const progress = setInterval(() => {
      console.error(
        `  ${ready.size}/${total} Ready ${fmt((Date.now() - runAt) / 1000, 0)} s after the run time`,
      );
    }, 30_000);
    const finished = await Promise.race([
      allReadyPromise.then(() => true),
      new Promise<boolean>((resolve) =>
        setTimeout(() => resolve(false), runAt + maxMinutes * MINUTE_MS - Date.now()).unref(),
      ),
    ]);
    clearInterval(progress);
    const readyMs = (finished ? lastReadyAt : Date.now()) - runAt;
    // The run's tail: every VM's hold released and every schedule's lastSuccessfulTime written, so the counts
    // cover the whole run.
    const runTime = new Date(runAt).toISOString().replace('.000Z', 'Z');
    for (;;) {
      if (!finished) break;
      const held = (await list<{ status?: { hold?: unknown } }>('virtualmachines')).some(
        (vm) => vm.status?.hold !== undefined,
      );
      const unfinished = (
        await list<{ status?: { lastSuccessfulTime?: string } }>('vmsnapshotschedules')
      ).some((s) => s.status?.lastSuccessfulTime !== runTime);
      if (!held && !unfinished) break;
      await sleep(1_000);
    }
    const settledMs = Date.now() - runAt;
    const operatorCpu = (await cpuMs(operatorPid)) - operatorCpuBefore;
    const controlPlaneCpu = (await cpuMs(controlPlane.pid)) - controlPlaneCpuBefore;
    const countsAfter = await controlPlane.request<Counts>('counts');
    const metricsAfter = await operator.request<Record<string, ControllerFigures>>('metrics');
    const hosts = await operator.request<HostFigures[]>('hosts', 120_000);
    if (profileFile) await operator.request(`profile-stop ${profileFile}`, 120_000);
    const loadAfter = loadavg()[0] ?? 0;

    const writes = writesBetween(countsBefore, countsAfter);
    const writeTotal = writes.reduce((n, [, c]) => n + c, 0);
    const perHost = Math.ceil(vmCount / hostCount);
    const boundMs = Math.ceil(perHost / SLOTS_PER_HOST) * LATENCY_MS.createSnapshot + spreadSeconds * 1000;
    const lastHostEnd = Math.max(...hosts.map((h) => h.lastCreateEndMs ?? 0)) - runAt;
    const readyCount = ready.size;
    const reconciles = Object.entries(metricsAfter)
      .map(([name, after]) => {
        const before = metricsBefore[name] ?? { reconciles: 0, reconcileSeconds: 0 };
        return [
          name,
          after.reconciles - before.reconciles,
          after.reconcileSeconds - before.reconcileSeconds,
        ] as const;
      })
      .filter(([, n]) => n > 0);

    console.log(
      `Machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, load average ${fmt(loadBefore, 1)} before / ${fmt(loadAfter, 1)} after the run; ` +
        `${scheduleCount} schedules x ${vmsPerSchedule} VMs = ${vmCount} VMs in one namespace, on ${hostCount} sim hosts (${perHost} VMs each, maxConcurrentOperations ${SLOTS_PER_HOST}), ` +
        `operator workers ${workers} per controller, spread ${spreadSeconds} s, sim latencies ${JSON.stringify(LATENCY_MS)} ms\n`,
    );
    console.log('| measure | value |');
    console.log('|---|---|');
    console.log(`| VMs observed Running after operator start | ${fmt(vmsObservedMs / 1000, 1)} s |`);
    console.log(
      `| ${scheduleCount} schedules created (${CLIENT_CONCURRENCY} in flight) | ${fmt(schedulesCreatedMs / 1000, 1)} s, done ${fmt(-lateBy / 1000, 1)} s before the run time |`,
    );
    if (finished) {
      console.log(
        `| **run time -> last of ${total} snapshots Ready** (watch) | **${fmt(readyMs / 1000, 1)} s** (${fmt(total / (readyMs / 1000), 1)} snapshots/s) |`,
      );
    } else {
      console.log(
        `| **PARTIAL: Ready when stopped after ${maxMinutes} min** | **${readyCount} of ${total}** (${fmt(readyCount / (readyMs / 1000), 2)} snapshots/s) |`,
      );
    }
    console.log(
      `| lower bound: ceil(${perHost} snapshots per host / ${SLOTS_PER_HOST} slots) x ${LATENCY_MS.createSnapshot} ms${spreadSeconds > 0 ? ` + spread ${spreadSeconds} s` : ''} | ${fmt(boundMs / 1000, 1)} s (measured / bound: ${fmt(readyMs / boundMs, 1)}x) |`,
    );
    console.log(`| run time -> last createSnapshot returned on any host | ${fmt(lastHostEnd / 1000, 1)} s |`);
    console.log(
      `| run time -> holds released and every schedule's lastSuccessfulTime written | ${finished ? `${fmt(settledMs / 1000, 1)} s` : '-'} |`,
    );
    console.log(
      `| **operator CPU for the run** (user+sys, /proc; run time -> settled) | **${fmt(operatorCpu / 1000, 1)} s** (${fmt(operatorCpu / Math.max(1, readyCount), 1)} ms per snapshot, ${fmt(operatorCpu / scheduleCount, 1)} ms per schedule) |`,
    );
    console.log(`| control plane CPU for the run | ${fmt(controlPlaneCpu / 1000, 1)} s |`);
    for (const [name, n, seconds] of reconciles) {
      console.log(
        `| ${name} reconciles in the run / mean wall time | ${n} (${fmt(n / Math.max(1, readyCount), 2)} per snapshot) / ${fmt((seconds / n) * 1000, 1)} ms |`,
      );
    }
    console.log(
      `| GETs of schedules in the run (one per schedule reconcile) | ${requestsBetween(countsBefore, countsAfter, 'get', 'vmsnapshotschedules')} |`,
    );
    console.log(
      `| **API writes per scheduled snapshot** (all writes in the run / ${readyCount} snapshots) | **${fmt(writeTotal / Math.max(1, readyCount), 2)}** |`,
    );
    console.log(
      `| writes by verb and resource (per snapshot) | ${writes.map(([key, n]) => `${key.replace(/ 2xx$/, '')}: ${fmt(n / Math.max(1, readyCount), 2)}`).join('; ')} |`,
    );
    console.log(`| createSnapshot calls on the hosts | ${hosts.reduce((n, h) => n + h.createSnapshot, 0)} |`);
    console.log(
      `| most snapshot operations in flight on any host (limit ${SLOTS_PER_HOST}) | ${Math.max(...hosts.map((h) => h.maxInFlight))} |`,
    );
    if (profileFile) {
      const profile = JSON.parse(await readFile(profileFile, 'utf8'));
      const shares = inclusiveShare(profile, PROFILED_FOLDERS);
      console.log(
        `| operator CPU in the run by folder (inclusive, V8 profile: ${profileFile}) | ${[...shares].map(([folder, share]) => `${folder}: ${fmt(share * 100, 0)} %`).join('; ')} |`,
      );
    }
  } finally {
    abortWatch?.abort();
    await operator?.stop();
    await controlPlane.stop();
    await removeDataDir(dataDir);
  }
}

await main();
