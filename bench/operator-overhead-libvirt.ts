// Operator overhead on real libvirt (issue 3, "Measure"): on the same running VM in the same run, alternate
// (a) `virsh snapshot-create-as` run directly and (b) creating a VMSnapshot through client-node and waiting
// until a watch shows it Ready. Reports both medians and their ratio (target <= 1.15), a timeline of where
// (b) spends its time (from watch events), and, in a separate pass with a recording virsh on the operator's
// PATH, every virsh call the operator makes per snapshot. Prints markdown for docs/performance.md.
//
//   node bench/operator-overhead-libvirt.ts [rounds=15] [recordedRounds=3] [filledMiB=0] [pauseMs=0]
//
// pauseMs: each measured path starts this long after the previous one ended. Deleting the previous round's
// VMSnapshot leaves the operator work that outlives the DELETED event (the VM relists its snapshot tree: dominfo,
// snapshot-list, snapshot-current); without a pause an operator round that follows another one starts while that
// runs, on the same virsh sessions, and measures the previous snapshot's cleanup too. 0 measures back to back.
//
// filledMiB=0 runs the OS-less 64 MiB test guest, whose RAM is all zero pages (QEMU saves each as a flag, so its
// snapshots are nearly free per MiB). filledMiB=N boots bench/lib/memory-fill.S instead in a guest of N MiB,
// which fills its RAM with a non-repeating pattern before the rounds start: a snapshot then writes ~N MiB of
// memory state, as with a real guest.
//
// The control plane runs as a child process (bench/lib/child-control-plane.ts) and the operator as another
// (`vmsnap operator`), as in a real deployment; this process is only the client. Needs libvirtd on
// qemu:///system (scripts/setup-host.sh).

import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { createTestDomain, libvirtAvailable, TEST_URI } from '../test/support/libvirt/test-domain.ts';
import { makeDataDir, removeDataDir, startChildControlPlane } from './lib/child-control-plane.ts';
import {
  createBenchHypervisor,
  createBenchVm,
  GROUP,
  machineLine,
  NS,
  printVirshCalls,
  untilServed,
  VERSION,
  VM,
} from './lib/libvirt-bench-setup.ts';
import { buildMemoryFillKernel, snapshotVmSize, waitForMemoryFill } from './lib/memory-fill-kernel.ts';
import { startOperatorProcess } from './lib/operator-process.ts';
import { fmt, summarize } from './lib/stats.ts';
import { installVirshRecorder, type VirshCall } from './lib/virsh-recorder.ts';
import { EventStream, type ObservedEvent } from './lib/watch-events.ts';

const run = promisify(execFile);
const rounds = Number(process.argv[2] ?? 15);
const recordedRounds = Number(process.argv[3] ?? 3);
const filledMiB = Number(process.argv[4] ?? 0);
const pauseMs = Number(process.argv[5] ?? 0);

async function virsh(args: string[]): Promise<void> {
  await run('virsh', ['-c', TEST_URI, '-q', ...args], { env: { ...process.env, LC_ALL: 'C' } });
}

const median = (values: number[]) => summarize(values).median;
const holderOf = (e: ObservedEvent) =>
  (e.object.status?.hold as { holder?: { name?: string } } | undefined)?.holder?.name;

interface OperatorRound {
  total: number;
  /** ms after the create call returned... */
  created: number;
  holdSet: number;
  inProgress: number;
  ready: number;
  holdReleased: number;
  /** Wall clock at the create call, to line up with the virsh recorder. */
  wallStart: number;
  wallReady: number;
}

async function main(): Promise<void> {
  if (!(await libvirtAvailable())) process.exit(1);
  if (!Number.isInteger(filledMiB) || (filledMiB !== 0 && filledMiB < 32)) {
    throw new Error(`filledMiB (argument 3) must be 0 or an integer >= 32, got ${process.argv[4]}`);
  }
  const dataDir = await makeDataDir();
  const domain =
    filledMiB === 0
      ? await createTestDomain({ label: 'ovh', start: true })
      : await createTestDomain({
          label: `ovh${filledMiB}m`,
          start: true,
          memoryMiB: filledMiB,
          kernel: await buildMemoryFillKernel(dataDir),
        });
  const controlPlane = await startChildControlPlane(dataDir);
  const api = controlPlane.kubeConfig.makeApiClient(CustomObjectsApi);
  let operator = startOperatorProcess(controlPlane.kubeconfigPath);
  const streams: EventStream[] = [];
  try {
    const guest =
      filledMiB === 0
        ? 'the OS-less 64 MiB test guest (RAM all zero pages)'
        : await describeFill(domain.name);
    // The operator installs the CRDs (and waits until each is Established); retry until all are served.
    await untilServed(() =>
      api.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: 'vmsnapshots',
      }),
    );
    await createBenchHypervisor(api);
    const snapshots = await EventStream.open(
      controlPlane.kubeConfig,
      `/apis/${GROUP}/${VERSION}/namespaces/${NS}/vmsnapshots`,
    );
    const vms = await EventStream.open(
      controlPlane.kubeConfig,
      `/apis/${GROUP}/${VERSION}/namespaces/${NS}/virtualmachines`,
    );
    streams.push(snapshots, vms);
    await createBenchVm(api, domain.name);
    await vms.next((e) => e.object.status?.phase === 'Running', 0);

    const direct = async (name: string): Promise<number> => {
      const start = performance.now();
      await virsh(['snapshot-create-as', '--domain', domain.name, '--name', name]);
      const ms = performance.now() - start;
      await virsh(['snapshot-delete', '--domain', domain.name, '--snapshotname', name]);
      return ms;
    };

    const throughOperator = async (name: string): Promise<OperatorRound> => {
      const wallStart = Date.now();
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
          spec: { vmName: VM, memory: true },
        },
      });
      const created = performance.now();
      const mine = (e: ObservedEvent) => e.object.metadata?.name === name;
      const ready = await snapshots.next((e) => mine(e) && e.object.status?.phase === 'Ready', start);
      const wallReady = Date.now();
      const holdSet = await vms.next((e) => holderOf(e) === name, start);
      const inProgress = await snapshots.next(
        (e) => mine(e) && e.object.status?.phase === 'InProgress',
        start,
      );
      const released = await vms.next((e) => holderOf(e) === undefined, holdSet.at);
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
        ready: ready.at - start,
        holdReleased: released.at - start,
        wallStart,
        wallReady,
      };
    };

    // Warm up both paths once (QMP connection, page cache, the operator's first reconcile of the VM).
    await direct('warm-direct');
    await throughOperator('warm-operator');

    const directMs: number[] = [];
    const operatorRounds: OperatorRound[] = [];
    const load: number[] = [];
    for (let i = 0; i < rounds; i++) {
      // Alternate which path goes first so drift on the shared machine hits both equally.
      for (const path of i % 2 ? ['operator', 'direct'] : ['direct', 'operator']) {
        if (pauseMs > 0) await sleep(pauseMs);
        if (path === 'direct') directMs.push(await direct(`direct-${i}`));
        else operatorRounds.push(await throughOperator(`op-${i}`));
      }
      load.push(loadavg()[0] ?? 0);
    }

    // Pass 2: the same through an operator whose virsh calls are recorded (slower: see virsh-recorder.ts).
    await operator.stop();
    const recorder = await installVirshRecorder(`${dataDir}/recorder`);
    operator = startOperatorProcess(controlPlane.kubeconfigPath, { env: recorder.env });
    await throughOperator('warm-recorded');
    const recorded: Array<{ round: OperatorRound; calls: VirshCall[] }> = [];
    for (let i = 0; i < recordedRounds; i++) {
      if (pauseMs > 0) await sleep(pauseMs);
      const round = await throughOperator(`rec-${i}`);
      const calls = (await recorder.calls()).filter(
        (c) => c.start >= round.wallStart && c.start <= round.wallReady,
      );
      recorded.push({ round, calls });
    }

    report(guest, directMs, operatorRounds, recorded, load);
  } finally {
    for (const s of streams) s.close();
    await operator.stop();
    await controlPlane.stop();
    await removeDataDir(dataDir);
    await domain.remove();
  }
}

/**
 * Waits for the memory-fill kernel to finish and proves the fill reached the snapshot: the memory state of one
 * snapshot (`info snapshots` VM SIZE) must be about the guest's RAM, not the few MiB of an all-zero guest.
 */
async function describeFill(domain: string): Promise<string> {
  const filled = await waitForMemoryFill(domain, TEST_URI);
  await virsh(['snapshot-create-as', '--domain', domain, '--name', 'fill-check']);
  const vmSize = await snapshotVmSize(domain, TEST_URI, 'fill-check');
  await virsh(['snapshot-delete', '--domain', domain, '--snapshotname', 'fill-check']);
  return (
    `a ${filledMiB} MiB guest running bench/lib/memory-fill.S, ${fmt(filled, 0)} MiB of its RAM filled with a ` +
    `non-repeating pattern (one snapshot's memory state, \`info snapshots\` VM SIZE: ${vmSize ?? '?'})`
  );
}

function report(
  guest: string,
  directMs: number[],
  rounds: OperatorRound[],
  recorded: Array<{ round: OperatorRound; calls: VirshCall[] }>,
  load: number[],
): void {
  const d = summarize(directMs);
  const o = summarize(rounds.map((r) => r.total));
  console.log(`Guest: ${guest}\n`);
  console.log(machineLine(load, `${directMs.length} rounds, ${pauseMs} ms pause before each path`));
  console.log('| path | median ms | p95 ms | max ms |');
  console.log('|---|---|---|---|');
  console.log(`| (a) virsh snapshot-create-as | ${fmt(d.median, 0)} | ${fmt(d.p95, 0)} | ${fmt(d.max, 0)} |`);
  console.log(
    `| (b) VMSnapshot created -> Ready seen by a watch | ${fmt(o.median, 0)} | ${fmt(o.p95, 0)} | ${fmt(o.max, 0)} |`,
  );
  console.log(`\n**Ratio (b)/(a) of the medians: ${fmt(o.median / d.median, 2)}** (target <= 1.15)\n`);

  console.log('Where (b) spends its time (median ms after the create call was sent, from watch events):\n');
  console.log('| step | median ms |');
  console.log('|---|---|');
  const step = (label: string, pick: (r: OperatorRound) => number) =>
    console.log(`| ${label} | ${fmt(median(rounds.map(pick)), 0)} |`);
  step('create answered', (r) => r.created);
  step('VM hold set (VirtualMachine event)', (r) => r.holdSet);
  step('VMSnapshot InProgress', (r) => r.inProgress);
  step('VMSnapshot Ready', (r) => r.ready);
  step('VM hold released', (r) => r.holdReleased);

  const first = recorded[0];
  if (!first) return;
  const counts = recorded.map((r) => r.calls.length);
  console.log(
    `\nvirsh calls the operator made between the create and Ready (recorded pass, ${recorded.length} snapshots): ${counts.join(', ')}\n`,
  );
  console.log(`One recorded snapshot (ms after the create; the recorder adds a node start per call):\n`);
  printVirshCalls(first.calls, first.round.wallStart);
  console.log(`| ${first.round.wallReady - first.round.wallStart} | | Ready seen by the watch |`);
}

await main();
