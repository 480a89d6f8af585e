import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldObservationDelay } from '../../src/controllers/virtualmachine/held-observation.ts';
import type { RecordedOperation } from '../../src/drivers/sim/recorder.ts';
import { eventually } from '../support/client-node.ts';
import { conditionOf, OperatorEnv, statusOf } from './support/operator-env.ts';

// Issue 3: a snapshot's hold wakes the VirtualMachine reconciler, whose domain read used to compete with the
// snapshot for the host's driver sessions on the snapshot's critical path. A VM observed moments before is not
// read again just because a holder took it; the hold's end is still observed.
describe('VirtualMachine reconciler while a snapshot holds the VM', () => {
  let env: OperatorEnv;

  beforeAll(async () => {
    env = await OperatorEnv.start();
    // Long enough that the old behaviour (a domain read as soon as the hold was set) lands inside the create.
    env.sim('kvm-h', { latencyMs: { createSnapshot: 600 } }).defineDomain({ name: 'db-1', phase: 'Running' });
    await env.startOperator();
    await env.createHypervisor('kvm-h');
    await env.createVm('db-1', { hypervisorName: 'kvm-h', domain: 'db-1' });
    await eventually(async () => statusOf(await env.getVm('db-1')).phase === 'Running', 'db-1 observed');
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('reads no domain while the snapshot is created, then observes the VM once the hold is released', async () => {
    const recorder = env.sim('kvm-h').recorder;
    recorder.reset();
    await env.createSnapshot('nightly', { vmName: 'db-1', memory: true });
    await eventually(
      async () => statusOf(await env.getSnapshot('nightly')).phase === 'Ready',
      'snapshot Ready',
    );
    const released = await eventually(async () => {
      const vm = await env.getVm('db-1');
      return statusOf(vm).hold === undefined && statusOf(vm).currentSnapshot === 'nightly' ? vm : undefined;
    }, 'hold released');

    const [create, ...moreCreates] = recorder.log.filter((r) => r.operation === 'createSnapshot');
    expect(create).toBeDefined();
    expect(moreCreates).toEqual([]);
    const createEnd = create?.endedAt ?? Number.POSITIVE_INFINITY;
    const duringCreate = (r: RecordedOperation) =>
      r.startedAt > (create?.startedAt ?? 0) && r.startedAt < createEnd;
    expect(recorder.log.filter((r) => r.operation === 'getDomain' && duringCreate(r))).toEqual([]);

    // The hold's end is a status change that still gets a fresh observation of the domain.
    await eventually(
      async () => recorder.log.some((r) => r.operation === 'getDomain' && r.startedAt > createEnd),
      'domain read after the hold was released',
    );
    expect(statusOf(released).phase).toBe('Running');
    expect(conditionOf(released, 'Snapshotting')?.status).toBe('False');
  });
});

describe('heldObservationDelay', () => {
  const base = {
    held: true,
    holderExists: true,
    generation: 3,
    observedGeneration: 3,
    lastObservedAt: 1_000,
    now: 1_500,
    intervalMs: 30_000,
  };

  it('defers the read of a VM held by a live holder until its observation falls due', () => {
    expect(heldObservationDelay(base)).toBe(29_500);
  });

  it('reads at once when not held, the holder is gone, the spec changed, or no observation is known', () => {
    expect(heldObservationDelay({ ...base, held: false, holderExists: undefined })).toBeUndefined();
    expect(heldObservationDelay({ ...base, holderExists: false })).toBeUndefined();
    expect(heldObservationDelay({ ...base, generation: 4 })).toBeUndefined();
    expect(heldObservationDelay({ ...base, lastObservedAt: undefined })).toBeUndefined();
  });

  it('reads once the observation is due, so a hold never makes the phase staler than the usual interval', () => {
    expect(heldObservationDelay({ ...base, now: 31_000 })).toBeUndefined();
    expect(heldObservationDelay({ ...base, now: 40_000 })).toBeUndefined();
  });
});
