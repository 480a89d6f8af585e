import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNAPSHOT_OPERATIONS } from '../../src/drivers/sim/index.ts';
import { eventually } from '../support/client-node.ts';
import { conditionOf, OperatorEnv, statusOf } from './support/operator-env.ts';
import { SnapshotConditionLog } from './support/snapshot-condition-log.ts';

/** Snapshots queued on one host with one operation slot: each driver call takes LATENCY_MS. */
const QUEUED = Array.from({ length: 10 }, (_, i) => `q-${i}`);
const LATENCY_MS = 400;
/** Longer than one call (plus the second startTime is rounded to), shorter than the queue: 10 x 400 ms = 4 s. */
const DEADLINE = '2s';
const DEADLINE_MS = 2_000;

describe('failureDeadline counts from when the operation starts, not while it is queued for a slot', () => {
  let env: OperatorEnv;
  let log: SnapshotConditionLog;

  beforeAll(async () => {
    env = await OperatorEnv.start();
    const queue = env.sim('kvm-queue', { latencyMs: { createSnapshot: LATENCY_MS } });
    for (const name of QUEUED) queue.defineDomain({ name, phase: 'Running' });
    const hang = env.sim('kvm-hang');
    for (const name of ['stuck', 'behind']) hang.defineDomain({ name, phase: 'Running' });
    log = await SnapshotConditionLog.start(env);
    await env.startOperator();
    await env.createHypervisor('kvm-queue', { maxConcurrentOperations: 1 });
    await env.createHypervisor('kvm-hang', { maxConcurrentOperations: 1 });
    for (const name of QUEUED) await env.createVm(name, { hypervisorName: 'kvm-queue', domain: name });
    for (const name of ['stuck', 'behind'])
      await env.createVm(name, { hypervisorName: 'kvm-hang', domain: name });
    const all = [...QUEUED, 'stuck', 'behind'];
    await eventually(
      async () =>
        (await Promise.all(all.map((n) => env.getVm(n)))).every((vm) => statusOf(vm).phase === 'Running'),
      'all VMs observed',
    );
  });

  afterAll(async () => {
    await log?.stop();
    await env?.stop();
  });

  it('takes every queued snapshot, none Failed and none ever Stalled, one at a time', async () => {
    await Promise.all(
      QUEUED.map((vm) => env.createSnapshot(`${vm}-snap`, { vmName: vm, failureDeadline: DEADLINE })),
    );
    const done = await eventually(
      async () => {
        const all = await Promise.all(QUEUED.map((vm) => env.getSnapshot(`${vm}-snap`)));
        return all.every((s) => ['Ready', 'Failed'].includes(statusOf(s).phase as string)) ? all : undefined;
      },
      'every queued snapshot finished',
      30_000,
    );
    expect(done.map((s) => statusOf(s).phase)).toEqual(QUEUED.map(() => 'Ready'));

    const seen = QUEUED.flatMap((vm) => log.of(`${vm}-snap`));
    expect(seen.filter((s) => s.stalled === 'True')).toEqual([]);
    expect(seen.filter((s) => s.phase === 'Failed')).toEqual([]);
    // What it was waiting for was said: snapshots queued for the slot, visibly.
    expect(seen.some((s) => s.readyReason === 'WaitingForSlot')).toBe(true);
    // The setup does what it claims: some snapshot started later than the deadline after it was created.
    const queuedMs = done.map(
      (s) =>
        new Date(statusOf(s).startTime as string).getTime() -
        new Date(s?.metadata.creationTimestamp ?? 0).getTime(),
    );
    expect(Math.max(...queuedMs)).toBeGreaterThanOrEqual(DEADLINE_MS);
    expect(env.sim('kvm-queue').recorder.maxInFlight(SNAPSHOT_OPERATIONS)).toBe(1);
  });

  it('fails a snapshot whose driver call hangs past its deadline, releasing its hold and its slot', async () => {
    const hang = env.sim('kvm-hang');
    hang.setLatency('createSnapshot', 60_000);
    const stuck = await env.createSnapshot('stuck-snap', { vmName: 'stuck', failureDeadline: DEADLINE });
    await eventually(
      () => hang.recorder.log.some((r) => r.operation === 'createSnapshot'),
      'the hanging driver call to start',
    );
    // Queued behind the hanging call, on the host's only slot.
    await env.createSnapshot('behind-snap', { vmName: 'behind', failureDeadline: DEADLINE });
    await eventually(
      async () => conditionOf(await env.getSnapshot('behind-snap'), 'Ready')?.reason === 'WaitingForSlot',
      'behind-snap queued for the slot',
    );
    hang.setLatency('createSnapshot', 0);

    const failed = await eventually(async () => {
      const obj = await env.getSnapshot('stuck-snap');
      return statusOf(obj).phase === 'Failed' ? obj : undefined;
    }, 'stuck-snap Failed');
    expect(conditionOf(failed, 'Stalled')).toMatchObject({ status: 'True', reason: 'DeadlineExceeded' });
    expect(statusOf(failed).startTime).toEqual(expect.any(String));
    // Named, so that deleting the VMSnapshot deletes what the hung call may still leave on the hypervisor.
    expect(statusOf(failed).snapshotName).toBe(`vs-${stuck.metadata.uid}`);
    await eventually(async () => statusOf(await env.getVm('stuck')).hold === undefined, 'stuck VM released');

    // The slot was let go: the snapshot queued behind it runs (with the hanging call still going on).
    await eventually(
      async () => statusOf(await env.getSnapshot('behind-snap')).phase === 'Ready',
      'behind-snap Ready',
    );
    expect(log.of('behind-snap').filter((s) => s.stalled === 'True')).toEqual([]);
  });
});
