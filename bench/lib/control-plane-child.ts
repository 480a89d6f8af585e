// Runs the embedded control plane as its own process so a benchmark can read the server's RSS and so the client
// (client-node, JSON decoding) does not share the server's event loop.
// Usage: node --expose-gc bench/lib/control-plane-child.ts <dataDir>. Prints one JSON line
// {"url","kubeconfigPath","pid"} on stdout once serving. Each "memory" line on stdin is answered with one JSON
// line of process.memoryUsage() taken after a full GC. Stops on SIGTERM, SIGINT or when stdin closes.
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { startControlPlane } from '../../src/apiserver/server.ts';

const dataDir = process.argv[2];
if (!dataDir) {
  console.error('usage: node --expose-gc bench/lib/control-plane-child.ts <dataDir>');
  process.exit(2);
}

const controlPlane = await startControlPlane({
  dataDir,
  host: '127.0.0.1',
  port: 0,
  // stdout carries the protocol lines only; warnings go to stderr.
  logger: pino({ level: 'warn' }, pino.destination(2)),
});

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await controlPlane.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const gc = (globalThis as { gc?: () => void }).gc;
const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  if (line.trim() !== 'memory') {
    console.error(`control-plane-child: unknown command ${JSON.stringify(line)}`);
    return;
  }
  gc?.();
  process.stdout.write(`${JSON.stringify({ ...process.memoryUsage(), gcRan: gc !== undefined })}\n`);
});
// If the parent dies without signalling, stdin ends and the server does not linger.
commands.on('close', stop);

process.stdout.write(
  `${JSON.stringify({ url: controlPlane.url, kubeconfigPath: controlPlane.kubeconfigPath, pid: process.pid })}\n`,
);
