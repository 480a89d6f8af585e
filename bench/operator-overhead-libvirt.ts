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
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { createTestDomain, libvirtAvailable, TEST_URI } from '../test/support/libvirt/test-domain.ts';
import { alternateRounds, printPathComparison } from './lib/alternating-rounds.ts';
import { makeDataDir, removeDataDir, startChildControlPlane } from './lib/child-control-plane.ts';
import {
  createBenchHypervisor,
  createBenchVm,
  machineLine,
  namespaced,
  printVirshCalls,
  untilServed,
  VM,
  watchNamespaced,
} from './lib/libvirt-bench-setup.ts';
import { buildMemoryFillKernel, snapshotVmSize, waitForMemoryFill } from './lib/memory-fill-kernel.ts';
import { startOperatorProcess } from './lib/operator-process.ts';
import { printSnapshotTimeline, type SnapshotRound, snapshotThroughOperator } from './lib/snapshot-round.ts';
import { fmt } from './lib/stats.ts';
import { installVirshRecorder, type VirshCall } from './lib/virsh-recorder.ts';
import type { EventStream } from './lib/watch-events.ts';

const run = promisify(execFile);
const rounds = Number(process.argv[2] ?? 15);
const recordedRounds = Number(process.argv[3] ?? 3);
const filledMiB = Number(process.argv[4] ?? 0);
const pauseMs = Number(process.argv[5] ?? 0);

async function virsh(args: string[]): Promise<void> {
  await run('virsh', ['-c', TEST_URI, '-q', ...args], { env: { ...process.env, LC_ALL: 'C' } });
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
    await untilServed(() => api.listNamespacedCustomObject(namespaced('vmsnapshots')));
    await createBenchHypervisor(api);
    const watches = {
      snapshots: await watchNamespaced(controlPlane.kubeConfig, 'vmsnapshots'),
      vms: await watchNamespaced(controlPlane.kubeConfig, 'virtualmachines'),
    };
    streams.push(watches.snapshots, watches.vms);
    await createBenchVm(api, domain.name);
    await watches.vms.next((e) => e.object.status?.phase === 'Running', 0);

    const direct = async (name: string): Promise<number> => {
      const start = performance.now();
      await virsh(['snapshot-create-as', '--domain', domain.name, '--name', name]);
      const ms = performance.now() - start;
      await virsh(['snapshot-delete', '--domain', domain.name, '--snapshotname', name]);
      return ms;
    };

    const throughOperator = (name: string) => snapshotThroughOperator(api, watches, name, VM);

    // Warm up both paths once (QMP connection, page cache, the operator's first reconcile of the VM).
    await direct('warm-direct');
    await throughOperator('warm-operator');

    const measured = await alternateRounds(
      rounds,
      { direct: (i) => direct(`direct-${i}`), operator: (i) => throughOperator(`op-${i}`) },
      pauseMs,
    );

    // Pass 2: the same through an operator whose virsh calls are recorded (slower: see virsh-recorder.ts).
    await operator.stop();
    const recorder = await installVirshRecorder(`${dataDir}/recorder`);
    operator = startOperatorProcess(controlPlane.kubeconfigPath, { env: recorder.env });
    await throughOperator('warm-recorded');
    const recorded: Array<{ round: SnapshotRound; calls: VirshCall[] }> = [];
    for (let i = 0; i < recordedRounds; i++) {
      if (pauseMs > 0) await sleep(pauseMs);
      const round = await throughOperator(`rec-${i}`);
      const calls = (await recorder.calls()).filter(
        (c) => c.start >= round.wallStart && c.start <= round.wallReady,
      );
      recorded.push({ round, calls });
    }

    report(guest, measured.direct, measured.operator, recorded, measured.load);
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
  rounds: SnapshotRound[],
  recorded: Array<{ round: SnapshotRound; calls: VirshCall[] }>,
  load: number[],
): void {
  console.log(`Guest: ${guest}\n`);
  console.log(machineLine(load, `${directMs.length} rounds, ${pauseMs} ms pause before each path`));
  printPathComparison(
    { label: 'virsh snapshot-create-as', ms: directMs },
    { label: 'VMSnapshot created -> Ready seen by a watch', ms: rounds.map((r) => r.ready) },
    { digits: 0, ratioDigits: 2, ratioNote: '(target <= 1.15)' },
  );
  printSnapshotTimeline(rounds);

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
