import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VM_REVERTS } from '../../src/controllers/shared/resources.ts';
import type { SimFaultPoint, SimHypervisor, SimOperation } from '../../src/drivers/sim/index.ts';
import { conditionOf, NAMESPACE, OperatorEnv, statusOf } from './support/operator-env.ts';
import {
  createRevert,
  eventReasons,
  getRevert,
  loseNextAnswer,
  OPERATOR_WITHOUT_REVERTS,
  RevertControllerUnderTest,
  readySnapshot,
  revertFinished,
  vmSettled,
  waitFor,
} from './vmrevert-harness.ts';

const HOST = 'kvm-c';
const FULL_PLAN = ['StopVM', 'RevertTo', 'StartVM'];

/**
 * A running VM reverted to a disk-only snapshot with startAfterRevert runs all three steps. The operator (the
 * VMSnapshot/VM controllers and the revert controller) is stopped while a fault holds the revert at a step, and a
 * new one is started: the revert must complete, leave the VM as the table says, and release the hold.
 */
describe('VMRevert reconciler: an operator killed at each step', () => {
  let env: OperatorEnv;
  let reverts: RevertControllerUnderTest | undefined;
  let sim: SimHypervisor;

  beforeAll(async () => {
    env = await OperatorEnv.start();
    sim = env.sim(HOST, { latencyMs: { revertTo: 20 } });
    for (const name of ['at-stop', 'at-revert', 'at-start', 'lost-stop', 'lost-revert', 'deleted']) {
      sim.defineDomain({ name, phase: 'Running' });
    }
    await startAll();
    await env.createHypervisor(HOST);
    for (const name of sim.domainNames()) await env.createVm(name, { hypervisorName: HOST, domain: name });
    for (const name of sim.domainNames()) {
      await waitFor(async () => statusOf(await env.getVm(name)).phase === 'Running', `${name} observed`);
    }
  });

  afterAll(async () => {
    await reverts?.stop();
    await env?.stop();
  });

  async function startAll() {
    await env.startOperator({ controllers: OPERATOR_WITHOUT_REVERTS });
    reverts = await RevertControllerUnderTest.start(env);
  }

  async function killAll() {
    await reverts?.stop();
    reverts = undefined;
    await env.stopOperator();
  }

  /** Disk "A" in a disk-only snapshot, then disk "B": the revert must bring back "A". */
  async function prepare(vm: string) {
    const domain = sim.domain(vm);
    domain.disk = `${vm}-A`;
    await readySnapshot(env, `${vm}-snap`, { vmName: vm, memory: false });
    domain.disk = `${vm}-B`;
    return domain;
  }

  function failedCalls(vm: string, operation: SimOperation): number {
    return sim.recorder.log.filter(
      (r) => r.operation === operation && r.domain === vm && r.outcome === 'error',
    ).length;
  }

  function calls(vm: string, operation: SimOperation): number {
    return sim.recorder.log.filter((r) => r.operation === operation && r.domain === vm && r.outcome === 'ok')
      .length;
  }

  async function expectCompleted(vm: string) {
    const done = await revertFinished(env, `r-${vm}`);
    expect(statusOf(done)).toMatchObject({ phase: 'Succeeded', steps: FULL_PLAN, completedSteps: FULL_PLAN });
    const vmObj = await vmSettled(env, vm, 'Running');
    expect(statusOf(vmObj).currentSnapshot).toBe(`${vm}-snap`);
    expect(conditionOf(vmObj, 'Reverting')?.status).toBe('False');
    expect(sim.domain(vm)).toMatchObject({ phase: 'Running', disk: `${vm}-A` });
  }

  /** Holds the revert at `point` until the operator is killed, then lets the new operator finish. */
  async function killAt(vm: string, point: SimFaultPoint, failing: SimOperation, afterSteps: string[]) {
    await waitFor(() => failedCalls(vm, failing) > 0 || undefined, `${failing} of ${vm} to hit the fault`);
    await killAll();
    sim.clearFaults(point);

    const mid = await getRevert(env, `r-${vm}`);
    expect(statusOf(mid)).toMatchObject({ phase: 'Reverting', completedSteps: afterSteps });
    const held = await env.getVm(vm);
    expect(statusOf(held).hold).toMatchObject({
      operation: 'RevertTo',
      holder: { kind: 'VMRevert', name: `r-${vm}` },
    });
    expect(conditionOf(held, 'Reverting')?.status).toBe('True');

    await startAll();
    await expectCompleted(vm);
  }

  it('killed at StopVM (hold taken, nothing done yet)', async () => {
    const domain = await prepare('at-stop');
    sim.injectFault('beforePowerChange', { domain: 'at-stop', times: Infinity });
    await createRevert(env, 'r-at-stop', { snapshotName: 'at-stop-snap', startAfterRevert: true });
    await killAt('at-stop', 'beforePowerChange', 'stop', []);
    expect(domain.phase).toBe('Running');
    expect(calls('at-stop', 'revertTo')).toBe(1);
  });

  it('killed at RevertTo (the VM stopped)', async () => {
    await prepare('at-revert');
    sim.injectFault('beforeRevert', { domain: 'at-revert', times: Infinity });
    await createRevert(env, 'r-at-revert', { snapshotName: 'at-revert-snap', startAfterRevert: true });
    await waitFor(() => failedCalls('at-revert', 'revertTo') > 0 || undefined, 'the revert to hit the fault');
    expect(sim.domain('at-revert').phase).toBe('Stopped');
    await killAt('at-revert', 'beforeRevert', 'revertTo', ['StopVM']);
    expect(calls('at-revert', 'revertTo')).toBe(1);
  });

  it('killed at StartVM (reverted, still stopped)', async () => {
    await prepare('at-start');
    // Hold it at RevertTo first, so the fault for StartVM cannot catch StopVM.
    sim.injectFault('beforeRevert', { domain: 'at-start', times: Infinity });
    await createRevert(env, 'r-at-start', { snapshotName: 'at-start-snap', startAfterRevert: true });
    await waitFor(() => failedCalls('at-start', 'revertTo') > 0 || undefined, 'the revert to hit the fault');
    sim.injectFault('beforePowerChange', { domain: 'at-start', times: Infinity });
    sim.clearFaults('beforeRevert');
    await waitFor(() => failedCalls('at-start', 'start') > 0 || undefined, 'the start to hit the fault');
    expect(sim.domain('at-start')).toMatchObject({ phase: 'Stopped', disk: 'at-start-A' });
    await killAt('at-start', 'beforePowerChange', 'start', ['StopVM', 'RevertTo']);
    expect(calls('at-start', 'revertTo')).toBe(1);
  });

  it('StopVM took effect but its answer was lost: re-run, no harm', async () => {
    await prepare('lost-stop');
    loseNextAnswer('stop');
    await createRevert(env, 'r-lost-stop', { snapshotName: 'lost-stop-snap', startAfterRevert: true });
    await expectCompleted('lost-stop');
    expect(calls('lost-stop', 'stop')).toBe(2);
  });

  it('RevertTo took effect but its answer was lost: the revert is repeated once, the end state is the same', async () => {
    await prepare('lost-revert');
    loseNextAnswer('revertTo');
    await createRevert(env, 'r-lost-revert', { snapshotName: 'lost-revert-snap', startAfterRevert: true });
    await expectCompleted('lost-revert');
    expect(calls('lost-revert', 'revertTo')).toBe(2);
  });

  it('deleting a VMRevert mid-way releases the hold and tells the VM; the steps done stay done', async () => {
    await prepare('deleted');
    sim.injectFault('beforeRevert', { domain: 'deleted', times: Infinity });
    const created = await createRevert(env, 'r-deleted', {
      snapshotName: 'deleted-snap',
      startAfterRevert: true,
    });
    await waitFor(() => failedCalls('deleted', 'revertTo') > 0 || undefined, 'the revert to hit the fault');
    expect(statusOf(await env.getVm('deleted')).hold).toMatchObject({
      holder: { uid: created.metadata.uid },
    });

    await env.client.delete(VM_REVERTS, { namespace: NAMESPACE, name: 'r-deleted' });
    await waitFor(
      async () => (await getRevert(env, 'r-deleted')) === undefined || undefined,
      'the VMRevert gone',
    );
    sim.clearFaults('beforeRevert');
    const vmObj = await vmSettled(env, 'deleted', 'Stopped');
    expect(sim.domain('deleted')).toMatchObject({ phase: 'Stopped', disk: 'deleted-B' });
    expect(await eventReasons(env, vmObj)).toContain('RevertToCancelled');
  });
});
