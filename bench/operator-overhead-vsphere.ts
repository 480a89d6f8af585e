// Operator overhead on vSphere (issue 7, "Measure"), against govmomi's simulator (vcsim) on 127.0.0.1: on the
// same powered-on VM in the same run, alternate (a) a bare CreateSnapshot_Task + task wait over SOAP and (b)
// creating a VMSnapshot through client-node and waiting until a watch shows it Ready. Reports both medians and
// their ratio, and the SOAP requests the operator makes per snapshot lifecycle (VMSnapshot created -> Ready ->
// deleted -> gone), counted at the simulator (test/support/vsphere/vcsim/request_counter.go), by method. Prints
// markdown for docs/performance.md ("## Operator on vSphere").
//
//   node bench/operator-overhead-vsphere.ts [rounds=21] [countedRounds=5]
//
// The control plane and the operator (`vmsnap operator`) run as child processes, as in a real deployment; this
// process is only the client. Needs golang-go + golang-github-vmware-govmomi-dev (scripts/setup-host.sh).

import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { HttpsTransport } from '../src/drivers/vsphere/https-transport.ts';
import type { MoRef } from '../src/drivers/vsphere/soap-xml.ts';
import { startTask, waitForTask } from '../src/drivers/vsphere/vim-calls.ts';
import { VimClient } from '../src/drivers/vsphere/vim-client.ts';
import { type SoapRequestCounts, startVcsim, vcsimUnavailableReason } from '../test/support/vsphere/vcsim.ts';
import { vmByName } from '../test/support/vsphere/vim-lab.ts';
import { makeDataDir, removeDataDir, startChildControlPlane } from './lib/child-control-plane.ts';
import { GROUP, machineLine, NS, untilServed, VERSION } from './lib/libvirt-bench-setup.ts';
import { startOperatorProcess } from './lib/operator-process.ts';
import { fmt, summarize } from './lib/stats.ts';
import { EventStream, type ObservedEvent } from './lib/watch-events.ts';

const rounds = Number(process.argv[2] ?? 21);
const countedRounds = Number(process.argv[3] ?? 5);
const VM_NAME = 'DC0_H0_VM0';
const BENCH_VM = 'bench-vm';
const HYPERVISOR = 'bench-vcsim';

interface OperatorRound {
  /** Create call sent -> Ready seen by the watch. */
  total: number;
  /** The rest: ms after the create call was sent, from watch events. */
  created: number;
  holdSet: number;
  inProgress: number;
  holdReleased: number;
}

/** SOAP requests by method: created -> Ready -> hold released, then deleted -> gone. */
interface CountedRound {
  create: Map<string, number>;
  delete: Map<string, number>;
}

const holderOf = (e: ObservedEvent) =>
  (e.object.status?.hold as { holder?: { name?: string } } | undefined)?.holder?.name;
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, n) => a + n, 0);

/** The requests in `after` that were not yet in `before`, by method. */
function delta(before: SoapRequestCounts, after: SoapRequestCounts): Map<string, number> {
  const out = new Map<string, number>();
  for (const [method, n] of Object.entries(after.byMethod)) {
    const added = n - (before.byMethod[method] ?? 0);
    if (added > 0) out.set(method, added);
  }
  return out;
}

async function main(): Promise<void> {
  const unavailable = await vcsimUnavailableReason();
  if (unavailable) {
    console.error(`operator-overhead-vsphere: ${unavailable}`);
    process.exit(1);
  }
  const sim = await startVcsim({ machines: 1 });
  const transport = new HttpsTransport({ url: new URL(sim.url), ca: sim.caPem });
  const direct = new VimClient({ transport, username: sim.username, password: sim.password, host: 'vcsim' });
  const dataDir = await makeDataDir();
  const controlPlane = await startChildControlPlane(dataDir);
  const api = controlPlane.kubeConfig.makeApiClient(CustomObjectsApi);
  const core = controlPlane.kubeConfig.makeApiClient(CoreV1Api);
  const operator = startOperatorProcess(controlPlane.kubeconfigPath);
  const streams: EventStream[] = [];
  try {
    const vm = await vmByName(direct, VM_NAME);
    const power = await startTask(direct, 'PowerOnVM_Task', vm);
    await waitForTask(direct, power, { timeoutMs: 30_000 });

    // The operator installs the CRDs (and waits until each is Established); retry until all are served.
    await untilServed(() =>
      api.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: 'vmsnapshots',
      }),
    );
    await createHypervisorAndVm(core, api, sim);
    const snapshots = await EventStream.open(
      controlPlane.kubeConfig,
      `/apis/${GROUP}/${VERSION}/namespaces/${NS}/vmsnapshots`,
    );
    const vms = await EventStream.open(
      controlPlane.kubeConfig,
      `/apis/${GROUP}/${VERSION}/namespaces/${NS}/virtualmachines`,
    );
    streams.push(snapshots, vms);
    await vms.next((e) => e.object.status?.phase === 'Running', 0);

    const bare = async (name: string): Promise<number> => {
      const start = performance.now();
      const task = await startTask(direct, 'CreateSnapshot_Task', vm, {
        name,
        description: 'bench',
        memory: true,
        quiesce: false,
      });
      const outcome = await waitForTask(direct, task, { timeoutMs: 30_000 });
      const ms = performance.now() - start;
      if (outcome?.state !== 'success' || !outcome.result)
        throw new Error(`${name}: ${JSON.stringify(outcome)}`);
      await removeSnapshot(direct, outcome.result);
      return ms;
    };

    const throughOperator = async (name: string, between?: () => Promise<void>): Promise<OperatorRound> => {
      const start = performance.now();
      await api.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: 'vmsnapshots',
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'VMSnapshot',
          metadata: { name },
          spec: { vmName: BENCH_VM, memory: true },
        },
      });
      const created = performance.now();
      const mine = (e: ObservedEvent) => e.object.metadata?.name === name;
      const ready = await snapshots.next((e) => mine(e) && e.object.status?.phase === 'Ready', start);
      const holdSet = await vms.next((e) => holderOf(e) === name, start);
      const inProgress = await snapshots.next(
        (e) => mine(e) && e.object.status?.phase === 'InProgress',
        start,
      );
      // The hold released: the VM is free for the next round.
      const released = await vms.next((e) => holderOf(e) === undefined, holdSet.at);
      await between?.();
      await api.deleteNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: 'vmsnapshots',
        name,
      });
      await snapshots.next((e) => mine(e) && e.type === 'DELETED', start);
      return {
        total: ready.at - start,
        created: created - start,
        holdSet: holdSet.at - start,
        inProgress: inProgress.at - start,
        holdReleased: released.at - start,
      };
    };

    // Warm up both paths once (sessions, the operator's first reconcile of the VM, JIT).
    await bare('warm-bare');
    await throughOperator('warm-operator');

    const bareMs: number[] = [];
    const operatorRounds: OperatorRound[] = [];
    const load: number[] = [];
    for (let i = 0; i < rounds; i++) {
      // Alternate which path goes first so drift on the shared machine hits both equally.
      for (const path of i % 2 ? ['operator', 'bare'] : ['bare', 'operator']) {
        if (path === 'bare') bareMs.push(await bare(`bare-${i}`));
        else operatorRounds.push(await throughOperator(`op-${i}`));
      }
      load.push(loadavg()[0] ?? 0);
    }

    // Requests per lifecycle: only the operator talks to the simulator during these rounds, split at the hold's
    // release (create phase) and the end (delete phase). A short settle lets the VirtualMachine reconciles each
    // phase triggers finish inside it.
    const settle = () => new Promise((resolve) => setTimeout(resolve, 500));
    const counted: CountedRound[] = [];
    for (let i = 0; i < countedRounds; i++) {
      const before = await sim.requestCounts();
      let created = before;
      await throughOperator(`counted-${i}`, async () => {
        await settle();
        created = await sim.requestCounts();
      });
      await settle();
      const after = await sim.requestCounts();
      counted.push({ create: delta(before, created), delete: delta(created, after) });
    }

    report(bareMs, operatorRounds, counted, load);
  } finally {
    for (const s of streams) s.close();
    await operator.stop();
    await controlPlane.stop();
    await removeDataDir(dataDir);
    await direct.logout();
    transport.close();
    await sim.stop();
  }
}

async function removeSnapshot(client: VimClient, snapshot: MoRef): Promise<void> {
  const task = await startTask(client, 'RemoveSnapshot_Task', snapshot, {
    removeChildren: false,
    consolidate: true,
  });
  await waitForTask(client, task, { timeoutMs: 30_000 });
}

async function createHypervisorAndVm(
  core: CoreV1Api,
  api: CustomObjectsApi,
  sim: { url: string; username: string; password: string; caPem: string },
): Promise<void> {
  await core.createNamespace({ body: { metadata: { name: 'vmsnap-system' } } });
  await core.createNamespacedSecret({
    namespace: 'vmsnap-system',
    body: {
      metadata: { name: 'vcsim-creds' },
      stringData: { username: sim.username, password: sim.password, 'ca.crt': sim.caPem },
    },
  });
  await api.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'hypervisors',
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'Hypervisor',
      metadata: { name: HYPERVISOR },
      spec: {
        driver: 'vsphere',
        uri: sim.url,
        credentialsSecretRef: { namespace: 'vmsnap-system', name: 'vcsim-creds' },
      },
    },
  });
  await api.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: NS,
    plural: 'virtualmachines',
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'VirtualMachine',
      metadata: { name: BENCH_VM },
      spec: { hypervisorName: HYPERVISOR, domain: `DC0/vm/${VM_NAME}` },
    },
  });
}

function report(bareMs: number[], rounds: OperatorRound[], counted: CountedRound[], load: number[]): void {
  const b = summarize(bareMs);
  const o = summarize(rounds.map((r) => r.total));
  console.log(machineLine(load, `${bareMs.length} rounds, memory snapshots of a powered-on VM`));
  console.log('| path | median ms | p95 ms | max ms |');
  console.log('|---|---|---|---|');
  console.log(
    `| (a) CreateSnapshot_Task + task wait (bare SOAP) | ${fmt(b.median, 1)} | ${fmt(b.p95, 1)} | ${fmt(b.max, 1)} |`,
  );
  console.log(
    `| (b) VMSnapshot created -> Ready seen by a watch | ${fmt(o.median, 1)} | ${fmt(o.p95, 1)} | ${fmt(o.max, 1)} |`,
  );
  console.log(`\n**Ratio (b)/(a) of the medians: ${fmt(o.median / b.median, 1)}**\n`);

  console.log('Where (b) spends its time (median ms after the create call was sent, from watch events):\n');
  console.log('| step | median ms |');
  console.log('|---|---|');
  const step = (label: string, pick: (r: OperatorRound) => number) =>
    console.log(`| ${label} | ${fmt(summarize(rounds.map(pick)).median, 0)} |`);
  step('create answered', (r) => r.created);
  step('VM hold set (VirtualMachine event)', (r) => r.holdSet);
  step('VMSnapshot InProgress', (r) => r.inProgress);
  step('VMSnapshot Ready', (r) => r.total);
  step('VM hold released', (r) => r.holdReleased);

  console.log(
    `\nSOAP requests the operator made per snapshot lifecycle, counted at the simulator, ${counted.length} rounds ` +
      `(create = created -> Ready -> hold released; delete = deleted -> gone): ` +
      counted.map((c) => `${sum(c.create)} + ${sum(c.delete)}`).join(', ') +
      '\n',
  );
  const methods = [...new Set(counted.flatMap((c) => [...c.create.keys(), ...c.delete.keys()]))].sort();
  console.log('| method | create phase (each round) | delete phase (each round) |');
  console.log('|---|---|---|');
  for (const method of methods) {
    const of = (m: Map<string, number>) => m.get(method) ?? 0;
    console.log(
      `| ${method} | ${counted.map((c) => of(c.create)).join(', ')} | ${counted.map((c) => of(c.delete)).join(', ')} |`,
    );
  }
}

await main();
