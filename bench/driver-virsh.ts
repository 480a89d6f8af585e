// Operator overhead of the libvirt driver: median time of a bare `virsh snapshot-create-as` against the
// driver's createSnapshot (which adds its idempotency and crash-recovery checks) on the same running 64 MiB
// TCG domain; the same for delete and revert. Prints a markdown table for docs/performance.md ("## Drivers").
//
//   node bench/driver-virsh.ts [rounds]      (needs libvirtd on qemu:///system; see scripts/setup-host.sh)

import { execFile } from 'node:child_process';
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

async function main(): Promise<void> {
  if (!(await libvirtAvailable())) process.exit(1);
  const domain = await createTestDomain({ label: 'bench', start: true });
  const driver = new LibvirtDriver({ uri: TEST_URI });
  const samples: Record<string, number[]> = {};
  const add = (key: string, ms: number) => {
    samples[key] ??= [];
    samples[key].push(ms);
  };
  try {
    // Warm up both paths once (first QMP connection, page cache).
    await virsh(['snapshot-create-as', '--domain', domain.name, '--name', 'warm']);
    await virsh(['snapshot-delete', '--domain', domain.name, '--snapshotname', 'warm']);
    await virsh(['snapshot-create-as', '--domain', domain.name, '--name', 'base']);
    const owner = { uid: 'bench', namespace: 'bench', name: 'bench' };
    for (let i = 0; i < rounds; i++) {
      // Alternate which path goes first so drift on the shared machine hits both equally.
      const order = i % 2 ? ['driver', 'virsh'] : ['virsh', 'driver'];
      for (const path of order) {
        const name = `${path}-${i}`;
        if (path === 'virsh') {
          add(
            'create: virsh',
            await timed(() => virsh(['snapshot-create-as', '--domain', domain.name, '--name', name])),
          );
          add(
            'delete: virsh',
            await timed(() => virsh(['snapshot-delete', '--domain', domain.name, '--snapshotname', name])),
          );
          add(
            'revert: virsh',
            await timed(() =>
              virsh(['snapshot-revert', '--domain', domain.name, '--snapshotname', 'base', '--running']),
            ),
          );
        } else {
          const request = { name, owner, description: 'bench', memory: true, quiesce: false };
          add('create: driver', await timed(() => driver.createSnapshot(domain.name, request)));
          add(
            'create again (idempotent): driver',
            await timed(() => driver.createSnapshot(domain.name, request)),
          );
          add('delete: driver', await timed(() => driver.deleteSnapshot(domain.name, name)));
          add(
            'revert: driver',
            await timed(() => driver.revertTo(domain.name, 'base', { finalState: 'Running' })),
          );
        }
      }
      add('getDomain: driver', await timed(() => driver.getDomain(domain.name)));
      add('probe: driver', await timed(() => driver.probe()));
    }
  } finally {
    await driver.close();
    await domain.remove();
  }
  console.log(`| operation (64 MiB TCG guest, running, ${rounds} rounds) | median ms |`);
  console.log('|---|---|');
  for (const [key, values] of Object.entries(samples))
    console.log(`| ${key} | ${median(values).toFixed(0)} |`);
}

await main();
