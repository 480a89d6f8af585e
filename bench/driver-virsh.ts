// Operator overhead of the libvirt driver: median time of a bare `virsh snapshot-create-as` against the
// driver's createSnapshot (which adds its idempotency and crash-recovery checks) on the same running 64 MiB
// TCG domain; the same for delete and revert. The driver runs twice in the same rounds: with every read as its
// own `virsh` process (readSessions: 0, how it worked before) and with reads through long-lived virsh sessions
// (the default). Prints a markdown table for docs/performance.md ("## Drivers").
//
//   node bench/driver-virsh.ts [rounds]      (needs libvirtd on qemu:///system; see scripts/setup-host.sh)

import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { LibvirtDriver } from '../src/drivers/libvirt/index.ts';
import { createTestDomain, libvirtAvailable, TEST_URI } from '../test/support/libvirt/test-domain.ts';

const run = promisify(execFile);
const rounds = Number(process.argv[2] ?? 15);

async function virsh(args: string[]): Promise<void> {
  await run('virsh', ['-c', TEST_URI, '-q', ...args], { env: { ...process.env, LC_ALL: 'C' } });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

type Path = 'virsh' | 'processes' | 'sessions';
const PATHS: readonly Path[] = ['virsh', 'processes', 'sessions'];

async function main(): Promise<void> {
  if (!(await libvirtAvailable())) process.exit(1);
  const domain = await createTestDomain({ label: 'bench', start: true });
  const drivers = {
    processes: new LibvirtDriver({ uri: TEST_URI, readSessions: 0 }),
    sessions: new LibvirtDriver({ uri: TEST_URI }),
  };
  const samples = new Map<string, Partial<Record<Path, number[]>>>();
  const add = (operation: string, path: Path, ms: number) => {
    const row = samples.get(operation) ?? {};
    samples.set(operation, row);
    row[path] ??= [];
    row[path].push(ms);
  };
  const load: number[] = [];
  try {
    // Warm up every path once (first QMP connection, page cache, the sessions).
    await virsh(['snapshot-create-as', '--domain', domain.name, '--name', 'warm']);
    await virsh(['snapshot-delete', '--domain', domain.name, '--snapshotname', 'warm']);
    await virsh(['snapshot-create-as', '--domain', domain.name, '--name', 'base']);
    for (const driver of Object.values(drivers)) await driver.listSnapshots(domain.name);
    const owner = { uid: 'bench', namespace: 'bench', name: 'bench' };
    for (let i = 0; i < rounds; i++) {
      load.push(loadavg()[0] ?? 0);
      // Rotate which path goes first so drift on the shared machine hits all equally.
      const order = PATHS.map((_, k) => PATHS[(i + k) % PATHS.length] as Path);
      for (const path of order) {
        const name = `${path}-${i}`;
        if (path === 'virsh') {
          add(
            'create memory snapshot',
            path,
            await timed(() => virsh(['snapshot-create-as', '--domain', domain.name, '--name', name])),
          );
          add(
            'delete',
            path,
            await timed(() => virsh(['snapshot-delete', '--domain', domain.name, '--snapshotname', name])),
          );
          add(
            'revert to a memory snapshot, VM running',
            path,
            await timed(() =>
              virsh(['snapshot-revert', '--domain', domain.name, '--snapshotname', 'base', '--running']),
            ),
          );
          continue;
        }
        const driver = drivers[path];
        // mayExist false: a first attempt, as the VMSnapshot controller makes it.
        const first = { name, owner, description: 'bench', memory: true, quiesce: false, mayExist: false };
        add('create memory snapshot', path, await timed(() => driver.createSnapshot(domain.name, first)));
        add(
          'create again, same name and owner',
          path,
          await timed(() => driver.createSnapshot(domain.name, { ...first, mayExist: true })),
        );
        add('listSnapshots (2-3 snapshots)', path, await timed(() => driver.listSnapshots(domain.name)));
        add('delete', path, await timed(() => driver.deleteSnapshot(domain.name, name)));
        add(
          'revert to a memory snapshot, VM running',
          path,
          await timed(() => driver.revertTo(domain.name, 'base', { finalState: 'Running' })),
        );
        add('getDomain', path, await timed(() => driver.getDomain(domain.name)));
        add('probe', path, await timed(() => driver.probe()));
      }
    }
  } finally {
    await Promise.all(Object.values(drivers).map((d) => d.close()));
    await domain.remove();
  }
  const fmt = (values: number[] | undefined) => (values ? median(values).toFixed(0) : '-');
  console.log(
    `Load average (1 min) during the rounds: ${Math.min(...load).toFixed(1)}-${Math.max(...load).toFixed(1)}\n`,
  );
  console.log(
    `| operation (64 MiB TCG guest, running; median ms of ${rounds} rounds) | bare virsh | driver, a process per read | driver, reads through sessions |`,
  );
  console.log('|---|---|---|---|');
  for (const [operation, row] of samples) {
    console.log(`| ${operation} | ${fmt(row.virsh)} | ${fmt(row.processes)} | ${fmt(row.sessions)} |`);
  }
}

await main();
