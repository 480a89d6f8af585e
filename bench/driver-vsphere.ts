// What the vSphere driver costs over bare vim25 calls, against govmomi's simulator (vcsim) on 127.0.0.1:
// SOAP requests per snapshot lifecycle (counted by the driver's client), and the median of a bare
// CreateSnapshot_Task + task wait against the driver's createSnapshot (which adds the identity/adoption read,
// the power-state and chain-depth checks and the read-back). Prints markdown for docs/performance.md
// ("## vSphere driver").
//
//   node bench/driver-vsphere.ts [rounds]     (needs golang-go + golang-github-vmware-govmomi-dev)

import { performance } from 'node:perf_hooks';
import { HttpsTransport } from '../src/drivers/vsphere/https-transport.ts';
import { VsphereDriver } from '../src/drivers/vsphere/index.ts';
import { startTask, waitForTask } from '../src/drivers/vsphere/vim-calls.ts';
import { VimClient } from '../src/drivers/vsphere/vim-client.ts';
import { startVcsim, vcsimUnavailableReason } from '../test/support/vsphere/vcsim.ts';
import { vmByName } from '../test/support/vsphere/vim-lab.ts';
import { fmt, summarize } from './lib/stats.ts';

const rounds = Number(process.argv[2] ?? 51);
const VM = 'DC0_H0_VM0';

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

async function main(): Promise<void> {
  const unavailable = await vcsimUnavailableReason();
  if (unavailable) {
    console.error(`driver-vsphere: ${unavailable}`);
    process.exit(1);
  }
  const sim = await startVcsim({ machines: 1 });
  const connection = { url: sim.url, username: sim.username, password: sim.password, ca: sim.caPem };
  const driver = new VsphereDriver(connection);
  const transport = new HttpsTransport({ url: new URL(sim.url), ca: sim.caPem });
  const direct = new VimClient({ transport, username: sim.username, password: sim.password, host: 'vcsim' });
  const owner = (name: string) => ({ uid: `uid-${name}`, namespace: 'bench', name });
  try {
    await driver.start(VM);
    const vm = await vmByName(direct, VM);

    // Requests per call, the VM already resolved and the session open (the steady state of an operator).
    const counts: Array<[string, number]> = [];
    const count = async (label: string, fn: () => Promise<unknown>) => {
      const before = driver.client.requestCount;
      await fn();
      counts.push([label, driver.client.requestCount - before]);
    };
    const cold = new VsphereDriver(connection);
    const coldBefore = cold.client.requestCount;
    await cold.getDomain(VM);
    const coldCount = cold.client.requestCount - coldBefore;
    await cold.close();
    const take = (name: string, memory: boolean) =>
      driver.createSnapshot(VM, { name, owner: owner(name), description: 'bench', memory, quiesce: false });
    await count('createSnapshot (memory)', () => take('life', true));
    await count('createSnapshot again (adopted, idempotent)', () => take('life', true));
    await count('getSnapshot', () => driver.getSnapshot(VM, 'life'));
    await count('revertTo memory snapshot, finalState Running (VM running)', () =>
      driver.revertTo(VM, 'life', { finalState: 'Running' }),
    );
    await count('revertTo memory snapshot, finalState Stopped', () =>
      driver.revertTo(VM, 'life', { finalState: 'Stopped' }),
    );
    await driver.start(VM);
    await count('deleteSnapshot (owner-guarded)', () =>
      driver.deleteSnapshot(VM, 'life', { ownerUid: 'uid-life' }),
    );
    const lifecycle = counts.filter(([label]) => !label.includes('again') && !label.includes('Stopped'));

    // Timing: alternate the two paths so drift on the shared machine hits both equally.
    const samples: Record<'direct' | 'driver', number[]> = { direct: [], driver: [] };
    for (let i = 0; i < rounds; i++) {
      for (const path of i % 2 ? (['driver', 'direct'] as const) : (['direct', 'driver'] as const)) {
        const name = `${path}-${i}`;
        if (path === 'direct') {
          const [, ms] = await timed(async () => {
            const task = await startTask(direct, 'CreateSnapshot_Task', vm, {
              name,
              description: 'bench',
              memory: true,
              quiesce: false,
            });
            return waitForTask(direct, task, { timeoutMs: 30_000 });
          });
          samples.direct.push(ms);
        } else {
          const [, ms] = await timed(() => take(name, true));
          samples.driver.push(ms);
        }
        await driver.deleteSnapshot(VM, name);
      }
    }
    const d = summarize(samples.direct);
    const v = summarize(samples.driver);
    console.log(
      `SOAP requests per call (warm session, VM resolved; a cold getDomain by name: ${coldCount}):\n`,
    );
    console.log('| call | SOAP requests |\n|---|---|');
    for (const [label, n] of counts) console.log(`| ${label} | ${n} |`);
    console.log(
      `| **lifecycle: create + get + revert + delete** | **${lifecycle.reduce((a, [, n]) => a + n, 0)}** |`,
    );
    console.log(`\nCreate a memory snapshot, ${rounds} rounds each:\n`);
    console.log('| path | median ms | p95 ms | max ms |\n|---|---|---|---|');
    console.log(`| CreateSnapshot_Task + wait (bare) | ${fmt(d.median)} | ${fmt(d.p95)} | ${fmt(d.max)} |`);
    console.log(`| driver.createSnapshot | ${fmt(v.median)} | ${fmt(v.p95)} | ${fmt(v.max)} |`);
  } finally {
    await driver.close();
    await direct.logout();
    transport.close();
    await sim.stop();
  }
}

await main();
