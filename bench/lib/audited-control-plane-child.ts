// The embedded control plane in its own process, counting every resource request it answers by verb, resource and
// subresource (through the server's audit sink), so a benchmark can say which writes a run cost and who made them.
// Usage: node bench/lib/audited-control-plane-child.ts <dataDir>. Prints one JSON line
// {"url","kubeconfigPath","pid"} once serving. Commands on stdin, one JSON line answered per command:
//   counts -> {"<verb> <resource>[/<subresource>] <code class>": n, ...} since the start.
// Stops on SIGTERM, SIGINT or when stdin closes.
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import type { AuditRecord } from '../../src/apiserver/audit/audit-record.ts';
import { startControlPlane } from '../../src/apiserver/server.ts';

const dataDir = process.argv[2];
if (!dataDir) {
  console.error('usage: node bench/lib/audited-control-plane-child.ts <dataDir>');
  process.exit(2);
}

const counts = new Map<string, number>();
const count = (record: AuditRecord) => {
  const resource = record.subresource ? `${record.resource}/${record.subresource}` : record.resource;
  const key = `${record.verb} ${resource} ${Math.floor(record.code / 100)}xx`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
};

const controlPlane = await startControlPlane({
  dataDir,
  host: '127.0.0.1',
  port: 0,
  logger: pino({ level: 'warn' }, pino.destination(2)),
  audit: count,
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

const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  if (line.trim() === 'counts') {
    process.stdout.write(`${JSON.stringify(Object.fromEntries(counts))}\n`);
  } else {
    console.error(`audited-control-plane-child: unknown command ${JSON.stringify(line)}`);
  }
});
commands.on('close', stop);

process.stdout.write(
  `${JSON.stringify({ url: controlPlane.url, kubeconfigPath: controlPlane.kubeconfigPath, pid: process.pid })}\n`,
);
