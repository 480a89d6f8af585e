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

import { performance } from 'node:perf_hooks';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { HttpsTransport } from '../src/drivers/vsphere/https-transport.ts';
import type { MoRef } from '../src/drivers/vsphere/soap-xml.ts';
import { startTask, waitForTask } from '../src/drivers/vsphere/vim-calls.ts';
import { VimClient } from '../src/drivers/vsphere/vim-client.ts';
import {
  type SoapRequestCounts,
  startVcsim,
  type Vcsim,
  vcsimUnavailableReason,
} from '../test/support/vsphere/vcsim.ts';
import { createVcsimCredentials, vcsimHypervisorSpec } from '../test/support/vsphere/vcsim-hypervisor.ts';
import { vmByName } from '../test/support/vsphere/vim-lab.ts';
import { alternateRounds, printPathComparison } from './lib/alternating-rounds.ts';
import { makeDataDir, removeDataDir, startChildControlPlane } from './lib/child-control-plane.ts';
import {
  createBenchHypervisor,
  createBenchVm,
  machineLine,
  namespaced,
  untilServed,
  VM,
  watchNamespaced,
} from './lib/libvirt-bench-setup.ts';
import { startOperatorProcess } from './lib/operator-process.ts';
import { printSnapshotTimeline, type SnapshotRound, snapshotThroughOperator } from './lib/snapshot-round.ts';
import type { EventStream } from './lib/watch-events.ts';

const rounds = Number(process.argv[2] ?? 21);
const countedRounds = Number(process.argv[3] ?? 5);
const VM_NAME = 'DC0_H0_VM0';
const HYPERVISOR = 'bench-vcsim';

/** SOAP requests by method: created -> Ready -> hold released, then deleted -> gone. */
interface CountedRound {
  create: Map<string, number>;
  delete: Map<string, number>;
}

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
    await untilServed(() => api.listNamespacedCustomObject(namespaced('vmsnapshots')));
    await createHypervisorAndVm(core, api, sim);
    const watches = {
      snapshots: await watchNamespaced(controlPlane.kubeConfig, 'vmsnapshots'),
      vms: await watchNamespaced(controlPlane.kubeConfig, 'virtualmachines'),
    };
    streams.push(watches.snapshots, watches.vms);
    await watches.vms.next((e) => e.object.status?.phase === 'Running', 0);

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

    const throughOperator = (name: string, beforeDelete?: () => Promise<void>) =>
      snapshotThroughOperator(api, watches, name, VM, beforeDelete);

    // Warm up both paths once (sessions, the operator's first reconcile of the VM, JIT).
    await bare('warm-bare');
    await throughOperator('warm-operator');

    const measured = await alternateRounds(rounds, {
      direct: (i) => bare(`bare-${i}`),
      operator: (i) => throughOperator(`op-${i}`),
    });

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

    report(measured.direct, measured.operator, counted, measured.load);
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

async function createHypervisorAndVm(core: CoreV1Api, api: CustomObjectsApi, sim: Vcsim): Promise<void> {
  await createVcsimCredentials(core, sim);
  await createBenchHypervisor(api, HYPERVISOR, vcsimHypervisorSpec(sim));
  await createBenchVm(api, `DC0/vm/${VM_NAME}`, HYPERVISOR);
}

function report(bareMs: number[], rounds: SnapshotRound[], counted: CountedRound[], load: number[]): void {
  console.log(machineLine(load, `${bareMs.length} rounds, memory snapshots of a powered-on VM`));
  printPathComparison(
    { label: 'CreateSnapshot_Task + task wait (bare SOAP)', ms: bareMs },
    { label: 'VMSnapshot created -> Ready seen by a watch', ms: rounds.map((r) => r.ready) },
    { digits: 1, ratioDigits: 1 },
  );
  printSnapshotTimeline(rounds);

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
