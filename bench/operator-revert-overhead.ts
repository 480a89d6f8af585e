// Revert overhead on real libvirt (issue 4, "Measure"): per revert case, on the same tiny domain in the same run,
// alternate (a) the virsh sequence the libvirt driver runs for that case (docs/reverting.md), run directly, and
// (b) creating a VMRevert through client-node and waiting until a watch shows it Succeeded. Reports both medians
// and their ratio per case, a timeline of (b) from watch events, and, in a separate pass with a recording virsh
// on the operator's PATH, every virsh call the operator makes per revert. Prints markdown for docs/performance.md.
//
//   node bench/operator-revert-overhead.ts [rounds=7] [recordedRounds=1]
//
// The control plane and `vmsnap operator` each run as their own process (as deployed); this process is only the
// client. Bringing the VM to a case's starting power state is untimed, and before each (b) the bench waits until
// the operator's VirtualMachine status shows that state (the revert plans from it). Needs libvirtd on
// qemu:///system (scripts/setup-host.sh).

import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { createTestDomain, libvirtAvailable, TEST_URI } from '../test/support/libvirt/test-domain.ts';
import { alternateRounds } from './lib/alternating-rounds.ts';
import { makeDataDir, removeDataDir, startChildControlPlane } from './lib/child-control-plane.ts';
import { exitAfterMinutes } from './lib/deadline.ts';
import {
  createBenchHypervisor,
  createBenchVm,
  GROUP,
  holderOf,
  machineLine,
  namespaced,
  printVirshCalls,
  timedCreate,
  untilServed,
  VERSION,
  VM,
  watchNamespaced,
} from './lib/libvirt-bench-setup.ts';
import { startOperatorProcess } from './lib/operator-process.ts';
import { fmt, summarize } from './lib/stats.ts';
import { installVirshRecorder, type VirshCall } from './lib/virsh-recorder.ts';
import type { EventStream, ObservedEvent } from './lib/watch-events.ts';

const run = promisify(execFile);
const rounds = Number(process.argv[2] ?? 7);
const recordedRounds = Number(process.argv[3] ?? 1);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) {
  throw new Error(`rounds must be an integer in 1..50, got ${process.argv[2]}`);
}
if (!Number.isInteger(recordedRounds) || recordedRounds < 0 || recordedRounds > 10) {
  throw new Error(`recordedRounds must be an integer in 0..10, got ${process.argv[3]}`);
}
exitAfterMinutes(30, 'operator-revert-overhead');

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

type Power = 'Running' | 'Stopped';

/** One revert case: the VM's power before, the VMSnapshot to revert to, and the driver's virsh calls for it. */
interface RevertCase {
  label: string;
  from: Power;
  snapshot: 'mem-running' | 'disk-running' | 'disk-stopped';
  /** What the driver runs for this case (src/drivers/libvirt/revert-plan.ts), D = domain, S = snapshot. */
  virsh(domain: string, snapshot: string): string[][];
}

const CASES: RevertCase[] = [
  {
    label: 'Running + memory (RevertTo)',
    from: 'Running',
    snapshot: 'mem-running',
    virsh: (d, s) => [['snapshot-revert', '--domain', d, '--snapshotname', s, '--running']],
  },
  {
    label: 'Stopped + disk-only (RevertTo)',
    from: 'Stopped',
    snapshot: 'disk-stopped',
    virsh: (d, s) => [['snapshot-revert', '--domain', d, '--snapshotname', s]],
  },
  {
    label: 'Running + disk-only (StopVM, RevertTo)',
    from: 'Running',
    snapshot: 'disk-running',
    virsh: (d, s) => [
      ['destroy', '--domain', d],
      ['snapshot-revert', '--domain', d, '--snapshotname', s, '--paused'],
      ['destroy', '--domain', d],
    ],
  },
  {
    label: 'Stopped + memory (RevertTo)',
    from: 'Stopped',
    snapshot: 'mem-running',
    virsh: (d, s) => [['snapshot-revert', '--domain', d, '--snapshotname', s, '--running']],
  },
];

async function virsh(args: string[]): Promise<string> {
  const { stdout } = await run('virsh', ['-c', TEST_URI, '-q', ...args], {
    env: { ...process.env, LC_ALL: 'C' },
  });
  return stdout;
}

const median = (values: number[]) => summarize(values).median;
const allStepsDone = (e: ObservedEvent) => {
  const steps = e.object.status?.steps as string[] | undefined;
  const done = e.object.status?.completedSteps as string[] | undefined;
  return steps !== undefined && steps.length > 0 && done?.length === steps.length;
};

interface OperatorRound {
  total: number;
  created: number;
  holdSet: number;
  reverting: number;
  /** The VMRevert event whose status.completedSteps first lists every planned step. */
  stepsDone: number;
  succeeded: number;
  holdReleased: number;
  wallStart: number;
  wallSucceeded: number;
}

async function main(): Promise<void> {
  if (!(await libvirtAvailable())) process.exit(1);
  const domain = await createTestDomain({ label: 'rvovh', start: true });
  const dataDir = await makeDataDir();
  const controlPlane = await startChildControlPlane(dataDir);
  const api = controlPlane.kubeConfig.makeApiClient(CustomObjectsApi);
  let operator = startOperatorProcess(controlPlane.kubeconfigPath);
  const streams: EventStream[] = [];
  try {
    await untilServed(() => api.listNamespacedCustomObject(namespaced('vmreverts')));
    await createBenchHypervisor(api);
    const open = (plural: string) => watchNamespaced(controlPlane.kubeConfig, plural);
    const [reverts, snapshots, vms] = await Promise.all([
      open('vmreverts'),
      open('vmsnapshots'),
      open('virtualmachines'),
    ]);
    streams.push(reverts, snapshots, vms);
    await createBenchVm(api, domain.name);
    await vms.next((e) => e.object.status?.phase === 'Running', 0);

    /**
     * Brings the domain to `power` with virsh; with `observed`, also nudges the VirtualMachine (an annotation
     * enqueues its reconcile, instead of waiting up to 30 s for the next observation) and waits until its status
     * shows that phase with no hold, since the revert controller plans from the VM's status.
     */
    let nudges = 0;
    const setPower = async (power: Power, observed: boolean): Promise<void> => {
      const state = (await virsh(['domstate', '--domain', domain.name])).trim();
      if (power === 'Stopped' && state !== 'shut off') await virsh(['destroy', '--domain', domain.name]);
      if (power === 'Running' && state === 'shut off') await virsh(['start', '--domain', domain.name]);
      if (power === 'Running' && state === 'paused') await virsh(['resume', '--domain', domain.name]);
      if (!observed) return;
      await api.patchNamespacedCustomObject(
        {
          ...namespaced('virtualmachines'),
          name: VM,
          body: { metadata: { annotations: { 'bench.vmsnap.io/nudge': String(++nudges) } } },
        },
        mergePatch,
      );
      const deadline = Date.now() + 60_000;
      for (;;) {
        const vm = (await api.getNamespacedCustomObject({ ...namespaced('virtualmachines'), name: VM })) as {
          status?: { phase?: string; hold?: unknown };
        };
        if (vm.status?.phase === power && !vm.status.hold) return;
        if (Date.now() > deadline)
          throw new Error(`VM never observed ${power}: ${JSON.stringify(vm.status)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    const takeSnapshot = async (name: string, memory: boolean): Promise<string> => {
      await api.createNamespacedCustomObject({
        ...namespaced('vmsnapshots'),
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'VMSnapshot',
          metadata: { name },
          spec: { vmName: VM, memory },
        },
      });
      const ready = await snapshots.next(
        (e) => e.object.metadata?.name === name && e.object.status?.phase === 'Ready',
        0,
      );
      return String(ready.object.status?.snapshotName);
    };
    // The three snapshots the four cases revert to (untimed).
    const onHypervisor = {
      'mem-running': await takeSnapshot('mem-running', true),
      'disk-running': await takeSnapshot('disk-running', false),
      'disk-stopped': '',
    };
    await setPower('Stopped', true);
    onHypervisor['disk-stopped'] = await takeSnapshot('disk-stopped', false);

    const direct = async (c: RevertCase): Promise<number> => {
      await setPower(c.from, false);
      const start = performance.now();
      for (const args of c.virsh(domain.name, onHypervisor[c.snapshot])) await virsh(args);
      return performance.now() - start;
    };

    let serial = 0;
    const throughOperator = async (c: RevertCase): Promise<OperatorRound> => {
      await setPower(c.from, true);
      const name = `rv-${++serial}`;
      const { start, wallStart, created } = await timedCreate(api, 'vmreverts', 'VMRevert', name, {
        snapshotName: c.snapshot,
      });
      const mine = (e: ObservedEvent) => e.object.metadata?.name === name;
      const done = await reverts.next(
        (e) => mine(e) && (e.object.status?.phase === 'Succeeded' || e.object.status?.phase === 'Failed'),
        start,
      );
      const wallSucceeded = Date.now();
      if (done.object.status?.phase !== 'Succeeded') {
        throw new Error(`${c.label}: VMRevert ${name} failed: ${JSON.stringify(done.object.status)}`);
      }
      const holdSet = await vms.next((e) => holderOf(e) === name, start);
      const reverting = await reverts.next((e) => mine(e) && e.object.status?.phase === 'Reverting', start);
      const stepsDone = await reverts.next((e) => mine(e) && allStepsDone(e), start);
      const released = await vms.next((e) => holderOf(e) === undefined, holdSet.at);
      await api.deleteNamespacedCustomObject({ ...namespaced('vmreverts'), name });
      await reverts.next((e) => mine(e) && e.type === 'DELETED', start);
      return {
        total: done.at - start,
        created: created - start,
        holdSet: holdSet.at - start,
        reverting: reverting.at - start,
        stepsDone: stepsDone.at - start,
        succeeded: done.at - start,
        holdReleased: released.at - start,
        wallStart,
        wallSucceeded,
      };
    };

    const results: CaseResult[] = [];
    const load: number[] = [];
    for (const c of CASES) {
      // Warm up both paths once per case (QEMU restart paths, the operator's first revert of this kind).
      await direct(c);
      await throughOperator(c);
      const measured = await alternateRounds(rounds, {
        direct: () => direct(c),
        operator: () => throughOperator(c),
      });
      results.push({ c, direct: measured.direct, operator: measured.operator, recorded: [] });
      load.push(...measured.load);
    }

    // Pass 2: the same reverts through an operator whose virsh calls are recorded (slower: see virsh-recorder.ts).
    if (recordedRounds > 0) {
      await operator.stop();
      const recorder = await installVirshRecorder(`${dataDir}/recorder`);
      operator = startOperatorProcess(controlPlane.kubeconfigPath, { env: recorder.env });
      for (const result of results) {
        await throughOperator(result.c);
        for (let i = 0; i < recordedRounds; i++) {
          const round = await throughOperator(result.c);
          const calls = (await recorder.calls()).filter(
            (call) => call.start >= round.wallStart && call.start <= round.wallSucceeded,
          );
          result.recorded.push({ round, calls });
        }
      }
    }

    report(results, load);
  } finally {
    for (const s of streams) s.close();
    await operator.stop();
    await controlPlane.stop();
    await removeDataDir(dataDir);
    await domain.remove();
  }
}

interface CaseResult {
  c: RevertCase;
  direct: number[];
  operator: OperatorRound[];
  recorded: Array<{ round: OperatorRound; calls: VirshCall[] }>;
}

function report(results: CaseResult[], load: number[]): void {
  console.log(machineLine(load, `${results[0]?.direct.length ?? 0} rounds per case`));
  console.log(
    '| case | (a) virsh directly, median ms | (b) VMRevert -> Succeeded, median ms | (b) max ms | (b) - (a) ms | ratio (b)/(a) |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const r of results) {
    const d = median(r.direct);
    const o = summarize(r.operator.map((x) => x.total));
    console.log(
      `| ${r.c.label} | ${fmt(d, 0)} | ${fmt(o.median, 0)} | ${fmt(o.max, 0)} | ${fmt(o.median - d, 0)} | ` +
        `**${fmt(o.median / d, 2)}** |`,
    );
  }

  console.log('\nWhere (b) spends its time (median ms after the create call was sent, from watch events):\n');
  console.log(
    '| case | create answered | VM hold set | VMRevert Reverting | all steps done | VM hold released | VMRevert Succeeded |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    const at = (pick: (x: OperatorRound) => number) => fmt(median(r.operator.map(pick)), 0);
    console.log(
      `| ${r.c.label} | ${at((x) => x.created)} | ${at((x) => x.holdSet)} | ${at((x) => x.reverting)} | ` +
        `${at((x) => x.stepsDone)} | ${at((x) => x.holdReleased)} | ${at((x) => x.succeeded)} |`,
    );
  }

  for (const r of results) {
    const first = r.recorded[0];
    if (!first) continue;
    console.log(
      `\n${r.c.label}: virsh calls between the create and Succeeded (recorded pass; ms after the create, ` +
        `the recorder adds a node start per call): ${r.recorded.map((x) => x.calls.length).join(', ')}\n`,
    );
    printVirshCalls(first.calls, first.round.wallStart);
    console.log(`| ${first.round.wallSucceeded - first.round.wallStart} | | Succeeded seen by the watch |`);
  }
}

await main();
