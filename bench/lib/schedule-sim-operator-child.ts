// The operator in its own process with simulated hypervisors, for bench/schedule-scale-sim.ts: its CPU (from /proc)
// is then the operator's alone, and it serves its controller metrics on request.
// Usage: node bench/lib/schedule-sim-operator-child.ts <kubeconfig> <config JSON>
//   config: {hosts, vms, workers, latencyMs: {createSnapshot: 150, ...}}
// Defines `vm-<i>` (Running) on sim host `sim-<i % hosts>`, starts the operator with OperatorMetrics, prints one
// JSON line {pid} once its informers have synced. Commands on stdin, one JSON line answered per command:
//   metrics -> per controller: reconciles (all results) and the summed reconcile wall time in seconds;
//   hosts   -> per sim host: createSnapshot calls, the most snapshot operations ever in flight at once, and the
//              host clock (ms) at the first createSnapshot start and the last createSnapshot end;
//   profile-start -> starts V8's CPU profiler (answers {});
//   profile-stop <file> -> stops it and writes the .cpuprofile to <file> (answers {}).
// Stops on SIGTERM or when stdin closes.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { createInterface } from 'node:readline';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { createDriverFactory } from '../../src/drivers/factory.ts';
import { SimHypervisor, type SimOperation } from '../../src/drivers/sim/index.ts';
import { OperatorMetrics } from '../../src/observability/metrics.ts';
import { startOperator } from '../../src/operator/start-operator.ts';

export interface ScheduleSimOperatorConfig {
  hosts: number;
  vms: number;
  workers: number;
  latencyMs: Partial<Record<SimOperation, number>>;
}

export interface ControllerFigures {
  reconciles: number;
  reconcileSeconds: number;
}

export interface HostFigures {
  host: string;
  createSnapshot: number;
  maxInFlight: number;
  firstCreateStartMs: number | undefined;
  lastCreateEndMs: number | undefined;
}

const [kubeconfigPath, configJson] = process.argv.slice(2);
if (!kubeconfigPath || !configJson) {
  console.error('usage: node bench/lib/schedule-sim-operator-child.ts <kubeconfig> <config JSON>');
  process.exit(2);
}
const config = JSON.parse(configJson) as ScheduleSimOperatorConfig;

const simHosts = new Map<string, SimHypervisor>();
for (let h = 0; h < config.hosts; h++) {
  simHosts.set(`sim-${h}`, new SimHypervisor({ name: `sim-${h}`, latencyMs: config.latencyMs }));
}
for (let i = 0; i < config.vms; i++) {
  simHosts.get(`sim-${i % config.hosts}`)?.defineDomain({ name: `vm-${i}`, phase: 'Running' });
}

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfigPath);
const metrics = new OperatorMetrics({ processMetrics: false });
const operator = await startOperator({
  kubeConfig,
  // stdout carries the protocol lines only.
  logger: pino({ level: process.env.VMSNAP_LOG_LEVEL ?? 'warn' }, pino.destination(2)),
  driverFactory: createDriverFactory({ simHosts }),
  workers: config.workers,
  metrics,
});

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await operator.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

async function controllerFigures(): Promise<Record<string, ControllerFigures>> {
  const figures: Record<string, ControllerFigures> = {};
  const entry = (controller: string) => {
    figures[controller] ??= { reconciles: 0, reconcileSeconds: 0 };
    return figures[controller];
  };
  const total = await metrics.registry.getSingleMetric('controller_runtime_reconcile_total')?.get();
  for (const value of total?.values ?? []) entry(String(value.labels.controller)).reconciles += value.value;
  const time = await metrics.registry.getSingleMetric('controller_runtime_reconcile_time_seconds')?.get();
  for (const value of time?.values ?? []) {
    if ((value as { metricName?: string }).metricName?.endsWith('_sum'))
      entry(String(value.labels.controller)).reconcileSeconds += value.value;
  }
  return figures;
}

function hostFigures(): HostFigures[] {
  return [...simHosts.values()].map((host) => {
    const creates = host.recorder.log.filter((r) => r.operation === 'createSnapshot');
    const ends = creates.flatMap((r) => (r.endedAtMs === undefined ? [] : [r.endedAtMs]));
    return {
      host: host.name,
      createSnapshot: creates.length,
      maxInFlight: host.recorder.maxInFlight(),
      // reduce, not Math.min(...): a spread of 10,000s of arguments can overflow the stack.
      firstCreateStartMs: creates.reduce<number | undefined>(
        (m, r) => Math.min(m ?? r.startedAtMs, r.startedAtMs),
        undefined,
      ),
      lastCreateEndMs: ends.reduce<number | undefined>((m, t) => Math.max(m ?? t, t), undefined),
    };
  });
}

// The profiler runs only between the commands, so a profile covers the run and not the setup.
const inspector = new Session();
inspector.connect();

const commands = createInterface({ input: process.stdin });
commands.on('line', async (line) => {
  const command = line.trim();
  if (command === 'profile-start') {
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.start');
    process.stdout.write('{}\n');
  } else if (command.startsWith('profile-stop ')) {
    const { profile } = await inspector.post('Profiler.stop');
    await writeFile(command.slice('profile-stop '.length), JSON.stringify(profile));
    process.stdout.write('{}\n');
  } else if (command === 'metrics') {
    process.stdout.write(`${JSON.stringify(await controllerFigures())}\n`);
  } else if (command === 'hosts') {
    process.stdout.write(`${JSON.stringify(hostFigures())}\n`);
  } else {
    console.error(`schedule-sim-operator-child: unknown command ${JSON.stringify(line)}`);
  }
});
commands.on('close', stop);

process.stdout.write(`${JSON.stringify({ pid: process.pid })}\n`);
