// Issue 8, "Show": one VMSnapshotSchedule over 200 VMs on 4 simulated hosts with maxConcurrentOperations 2, run by
// the whole operator against the embedded control plane. Every snapshot becomes Ready, no host ever runs more than
// 2 snapshot operations at once (the sim's recorder counts them by sequence number, not by time), and each VM's
// snapshot starts no earlier than the run time plus that VM's own spread offset.
//
// The clock: the operator and the sim hosts share an injected clock that ticks in real time but is shifted forward
// (by less than a minute) so that the run comes due a few seconds after the schedule is created, instead of at the
// next real minute. The schedule controller reads it through the operator's `now` option, its product path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEDULE_LABEL } from '../../src/api/vm-snapshot-schedule.ts';
import { type ApiObject, VIRTUAL_MACHINES, VM_SNAPSHOTS } from '../../src/controllers/shared/resources.ts';
import {
  SCHEDULED_AT_ANNOTATION,
  VM_SNAPSHOT_SCHEDULES,
} from '../../src/controllers/vmsnapshotschedule/resources.ts';
import { type SimHypervisor, SNAPSHOT_OPERATIONS } from '../../src/drivers/sim/index.ts';
import { spreadOffsetMs } from '../../src/schedule/index.ts';
import { eventually } from '../support/client-node.ts';
import { NAMESPACE, OperatorEnv, statusOf } from './support/operator-env.ts';

const HOSTS = 4;
const VMS_PER_HOST = 50;
const SLOTS_PER_HOST = 2;
const SPREAD = '30s';
const SPREAD_MS = 30_000;
/** Long enough that the 2 slots per host are contended while the spread window is open. */
const CREATE_LATENCY_MS = 500;
/** How long after the schedule's creation its run comes due on the shifted clock. */
const LEAD_MS = 5_000;
const MINUTE_MS = 60_000;
const SCHEDULE = 'scale';

const hostNames = Array.from({ length: HOSTS }, (_, h) => `sim-${h}`);
const vmsOf = (host: string) => Array.from({ length: VMS_PER_HOST }, (_, i) => `${host}-vm-${i}`);
const allVms = hostNames.flatMap(vmsOf);

/** Added to the real time by the injected clock; set once, before the schedule exists. */
let shiftMs = 0;
const clock = () => new Date(Date.now() + shiftMs);

describe('one schedule over 200 VMs on 4 sim hosts (maxConcurrentOperations 2)', () => {
  let env: OperatorEnv;
  let runAt: number;
  let scheduleUid: string;

  beforeAll(async () => {
    env = await OperatorEnv.start();
    for (const host of hostNames) {
      const sim = env.sim(host, {
        now: clock,
        latencyMs: { createSnapshot: CREATE_LATENCY_MS, getDomain: 5, probe: 5 },
      });
      for (const vm of vmsOf(host)) sim.defineDomain({ name: vm, phase: 'Running' });
    }
    // Enough workers to fill all 8 host slots: the hosts' limit, not the worker count, is what is under test.
    await env.startOperator({ workers: HOSTS * SLOTS_PER_HOST, now: clock });
    for (const host of hostNames) {
      await env.createHypervisor(host, { maxConcurrentOperations: SLOTS_PER_HOST });
    }
    for (const host of hostNames) {
      await Promise.all(
        vmsOf(host).map((vm) =>
          env.client.create(VIRTUAL_MACHINES, {
            apiVersion: 'vmsnap.io/v1alpha1',
            kind: 'VirtualMachine',
            metadata: { name: vm, namespace: NAMESPACE, labels: { tier: 'scale' } },
            spec: { hypervisorName: host, domain: vm },
          } as ApiObject),
        ),
      );
    }
    await eventually(
      async () => {
        const list = await env.client.list<ApiObject>(VIRTUAL_MACHINES, { namespace: NAMESPACE });
        return list.items.filter((vm) => statusOf(vm).phase === 'Running').length === allVms.length;
      },
      'all 200 VMs observed Running',
      90_000,
    );

    // A run at the first whole minute at least LEAD_MS away, and a clock shifted to LEAD_MS before it. The cron
    // names that minute only (once a year), so no earlier run lies between the schedule's creation and now.
    const realNow = Date.now();
    runAt = Math.ceil((realNow + LEAD_MS) / MINUTE_MS) * MINUTE_MS;
    shiftMs = runAt - LEAD_MS - realNow;
    const at = new Date(runAt);
    const cron = `${at.getUTCMinutes()} ${at.getUTCHours()} ${at.getUTCDate()} ${at.getUTCMonth() + 1} *`;
    const schedule = await env.client.create(VM_SNAPSHOT_SCHEDULES, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VMSnapshotSchedule',
      metadata: { name: SCHEDULE, namespace: NAMESPACE },
      spec: {
        schedule: cron,
        selector: { matchLabels: { tier: 'scale' } },
        retention: { keepLast: 3 },
        spread: SPREAD,
      },
    } as ApiObject);
    scheduleUid = schedule.metadata.uid ?? '';
  }, 180_000);

  afterAll(async () => {
    await env?.stop();
  });

  it('takes every VM once, all Ready, never above 2 operations per host, each start at or after its slot', async () => {
    const scheduled = async () =>
      (
        await env.client.list<ApiObject>(VM_SNAPSHOTS, {
          namespace: NAMESPACE,
          labelSelector: `${SCHEDULE_LABEL}=${SCHEDULE}`,
        })
      ).items;
    await eventually(
      async () => {
        const snapshots = await scheduled();
        return snapshots.length === allVms.length && snapshots.every((s) => statusOf(s).phase === 'Ready');
      },
      'all 200 scheduled snapshots Ready',
      240_000,
    );

    // One snapshot per VM, all of the one run.
    const snapshots = await scheduled();
    const vmsTaken = snapshots.map((s) => (s.spec as { vmName: string }).vmName).sort();
    expect(vmsTaken).toEqual([...allVms].sort());
    const runTime = new Date(runAt).toISOString().replace('.000Z', 'Z');
    expect(new Set(snapshots.map((s) => s.metadata.annotations?.[SCHEDULED_AT_ANNOTATION]))).toEqual(
      new Set([runTime]),
    );

    // The hosts' view: one successful create per VM, and never more than 2 snapshot operations at once.
    const startOf = new Map<string, number>();
    for (const host of hostNames) {
      const sim: SimHypervisor = env.sim(host);
      expect(sim.recorder.maxInFlight(SNAPSHOT_OPERATIONS)).toBeLessThanOrEqual(SLOTS_PER_HOST);
      for (const record of sim.recorder.log) {
        if (record.operation !== 'createSnapshot' || record.outcome !== 'ok') continue;
        const vm = sim.find(record.domain ?? '')?.name ?? record.domain ?? '';
        expect(startOf.has(vm), `a second createSnapshot of ${vm}`).toBe(false);
        startOf.set(vm, record.startedAtMs);
      }
    }
    expect([...startOf.keys()].sort()).toEqual([...allVms].sort());
    // The limit was reached somewhere, so the bound above is not met merely by never running two at once.
    expect(Math.max(...hostNames.map((h) => env.sim(h).recorder.maxInFlight(SNAPSHOT_OPERATIONS)))).toBe(
      SLOTS_PER_HOST,
    );

    // The spread: no VM's snapshot starts before the run time plus its own offset (a hash of schedule UID and VM,
    // the same on every reconcile), and the starts are spread over the window, not bunched at its start.
    const late = allVms.filter(
      (vm) => (startOf.get(vm) ?? 0) < runAt + spreadOffsetMs(scheduleUid, vm, SPREAD_MS),
    );
    expect(late, 'snapshots started before their spread slot').toEqual([]);
    const offsets = allVms.map((vm) => (startOf.get(vm) ?? 0) - runAt);
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...offsets)).toBeGreaterThanOrEqual(SPREAD_MS / 2);
    const inFirstTenth = offsets.filter((o) => o < SPREAD_MS / 10).length;
    expect(inFirstTenth).toBeLessThan(allVms.length / 4);

    // The schedule saw its run complete.
    await eventually(
      async () => {
        const current = await env.client.find<ApiObject>(VM_SNAPSHOT_SCHEDULES, {
          namespace: NAMESPACE,
          name: SCHEDULE,
        });
        return statusOf(current).lastSuccessfulTime === runTime;
      },
      'status.lastSuccessfulTime = the run',
      30_000,
    );
  }, 300_000);
});
