// The operator in its own process with simulated hypervisors (the sim driver is a test double that only exists
// in-process), for the scale benchmark: its RSS is then the operator's alone.
// Usage: node --expose-gc bench/lib/operator-sim-child.ts <kubeconfig> <config JSON>
//   config: {hosts, vmsPerHost, workers, latencyMs: {createSnapshot: 100, ...}}
// Defines `vm-<h>-<i>` (Running) on sim hosts `sim-<h>`, starts the operator, prints one JSON line {pid} once
// its informers have synced. Commands on stdin, one JSON line answered per command:
//   memory -> process.memoryUsage() after a full GC;  stats -> per host: createSnapshot count, max in flight.
// Stops on SIGTERM or when stdin closes.
import { createInterface } from 'node:readline';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { createDriverFactory } from '../../src/drivers/factory.ts';
import { SimHypervisor, type SimOperation } from '../../src/drivers/sim/index.ts';
import { startOperator } from '../../src/operator/start-operator.ts';

export interface SimOperatorConfig {
  hosts: number;
  vmsPerHost: number;
  workers: number;
  latencyMs: Partial<Record<SimOperation, number>>;
}

const [kubeconfigPath, configJson] = process.argv.slice(2);
if (!kubeconfigPath || !configJson) {
  console.error('usage: node --expose-gc bench/lib/operator-sim-child.ts <kubeconfig> <config JSON>');
  process.exit(2);
}
const config = JSON.parse(configJson) as SimOperatorConfig;

const simHosts = new Map<string, SimHypervisor>();
for (let h = 0; h < config.hosts; h++) {
  const host = new SimHypervisor({ name: `sim-${h}`, latencyMs: config.latencyMs });
  for (let i = 0; i < config.vmsPerHost; i++) host.defineDomain({ name: `vm-${h}-${i}`, phase: 'Running' });
  simHosts.set(host.name, host);
}

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfigPath);
const operator = await startOperator({
  kubeConfig,
  // stdout carries the protocol lines only.
  logger: pino({ level: process.env.VMSNAP_LOG_LEVEL ?? 'warn' }, pino.destination(2)),
  driverFactory: createDriverFactory({ simHosts }),
  workers: config.workers,
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

const gc = (globalThis as { gc?: () => void }).gc;
const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  const command = line.trim();
  if (command === 'memory') {
    gc?.();
    process.stdout.write(`${JSON.stringify({ ...process.memoryUsage(), gcRan: gc !== undefined })}\n`);
  } else if (command === 'stats') {
    const hosts = [...simHosts.values()].map((host) => ({
      host: host.name,
      createSnapshot: host.recorder.count('createSnapshot'),
      getDomain: host.recorder.count('getDomain'),
      maxInFlight: host.recorder.maxInFlight(),
    }));
    process.stdout.write(`${JSON.stringify(hosts)}\n`);
  } else {
    console.error(`operator-sim-child: unknown command ${JSON.stringify(line)}`);
  }
});
commands.on('close', stop);

process.stdout.write(`${JSON.stringify({ pid: process.pid })}\n`);
