import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimDomainState, SimHypervisor } from '../../src/drivers/sim/index.ts';
import { conditionOf, OperatorEnv, statusOf } from './support/operator-env.ts';
import { VmStatusLog } from './support/vm-status-log.ts';
import {
  createRevert,
  eventReasons,
  getRevert,
  OPERATOR_WITHOUT_REVERTS,
  RevertControllerUnderTest,
  readySnapshot,
  revertFinished,
  vmSettled,
  waitFor,
} from './vmrevert-harness.ts';

const HOST = 'kvm-r';
const POWER_CALLS = new Set(['stop', 'start', 'pause', 'resume', 'revertTo']);

describe('VMRevert reconciler on the simulated hypervisor: the four cases and their refusals', () => {
  let env: OperatorEnv;
  let reverts: RevertControllerUnderTest;
  let log: VmStatusLog;
  let sim: SimHypervisor;

  beforeAll(async () => {
    env = await OperatorEnv.start();
    sim = env.sim(HOST, { latencyMs: { revertTo: 50, createSnapshot: 20 } });
    for (const [name, phase] of [
      ['run-mem', 'Running'],
      ['stop-disk', 'Stopped'],
      ['run-disk', 'Running'],
      ['run-disk-start', 'Running'],
      ['stop-mem', 'Running'],
      ['paused', 'Running'],
      ['no-power', 'Running'],
      ['missing', 'Running'],
      ['together', 'Running'],
      ['desired-on', 'Running'],
    ] as const) {
      sim.defineDomain({ name, phase });
    }
    log = await VmStatusLog.start(env);
    await env.startOperator({ controllers: OPERATOR_WITHOUT_REVERTS });
    reverts = await RevertControllerUnderTest.start(env);
    await env.createHypervisor(HOST);
    for (const name of sim.domainNames()) {
      const powerState = name === 'desired-on' ? { powerState: 'Running' } : {};
      await env.createVm(name, { hypervisorName: HOST, domain: name, ...powerState });
    }
    for (const name of sim.domainNames()) {
      const phase = sim.domain(name).phase;
      await waitFor(async () => statusOf(await env.getVm(name)).phase === phase, `${name} observed ${phase}`);
    }
  });

  afterAll(async () => {
    await reverts?.stop();
    await log?.stop();
    await env?.stop();
  });

  /** Writes disk "A", snapshots, then changes disk (and memory) to "B": what the revert must undo. */
  async function snapshotThenDiverge(vm: string, memory: boolean) {
    const domain = sim.domain(vm);
    domain.disk = `${vm}-disk-A`;
    const memoryAtSnapshot = domain.memory;
    await readySnapshot(env, `${vm}-snap`, { vmName: vm, memory });
    domain.disk = `${vm}-disk-B`;
    if (domain.memory !== undefined) domain.memory = `${vm}-mem-B`;
    return { domain, memoryAtSnapshot };
  }

  async function expectSucceeded(
    name: string,
    vm: string,
    steps: string[],
    fromPhase: string,
    toPhase: string,
  ) {
    const done = await revertFinished(env, name);
    expect(statusOf(done)).toMatchObject({
      phase: 'Succeeded',
      vmName: vm,
      fromPhase,
      toPhase,
      steps,
      completedSteps: steps,
      observedGeneration: 1,
    });
    expect(statusOf(done).startTime).toBeTruthy();
    expect(statusOf(done).completionTime).toBeTruthy();
    expect(conditionOf(done, 'Ready')).toMatchObject({ status: 'True', reason: 'RevertSucceeded' });
    expect(conditionOf(done, 'Reconciling')?.status).toBe('False');
    expect(conditionOf(done, 'Stalled')?.status).toBe('False');
    const vmObj = await vmSettled(env, vm, toPhase);
    expect(statusOf(vmObj).currentSnapshot).toBe(`${vm}-snap`);
    expect(conditionOf(vmObj, 'Reverting')?.status).toBe('False');
    await waitFor(
      async () => !(await getRevert(env, name))?.metadata.finalizers?.length,
      `${name} finalizer removed`,
    );
    const [onRevert, onVm] = await Promise.all([eventReasons(env, done), eventReasons(env, vmObj)]);
    expect(onRevert).toEqual(expect.arrayContaining(['RevertToStarted', 'RevertToSucceeded']));
    expect(onVm).toEqual(expect.arrayContaining(['RevertToStarted', 'RevertToSucceeded']));
    // Users watching the VM saw the hold, and never an operation as its phase.
    const seen = log.of(vm);
    expect(seen.some((s) => s.hold?.holder.kind === 'VMRevert' && s.hold.holder.name === name)).toBe(true);
    for (const s of seen) expect([undefined, 'Running', 'Stopped', 'Paused', 'Unknown']).toContain(s.phase);
    return done;
  }

  it('Running + memory snapshot: RevertTo, ends Running in the snapshot memory state', async () => {
    const { domain, memoryAtSnapshot } = await snapshotThenDiverge('run-mem', true);
    await createRevert(env, 'r-run-mem', { snapshotName: 'run-mem-snap' });
    await expectSucceeded('r-run-mem', 'run-mem', ['RevertTo'], 'Running', 'Running');
    expect(domain).toMatchObject({ phase: 'Running', disk: 'run-mem-disk-A', memory: memoryAtSnapshot });
  });

  it('Stopped + disk-only snapshot: RevertTo, stays Stopped', async () => {
    const { domain } = await snapshotThenDiverge('stop-disk', false);
    await createRevert(env, 'r-stop-disk', { snapshotName: 'stop-disk-snap' });
    await expectSucceeded('r-stop-disk', 'stop-disk', ['RevertTo'], 'Stopped', 'Stopped');
    expect(domain).toMatchObject({ phase: 'Stopped', disk: 'stop-disk-disk-A', memory: undefined });
  });

  it('Running + disk-only snapshot: StopVM, RevertTo, ends Stopped', async () => {
    const { domain } = await snapshotThenDiverge('run-disk', false);
    await createRevert(env, 'r-run-disk', { snapshotName: 'run-disk-snap' });
    await expectSucceeded('r-run-disk', 'run-disk', ['StopVM', 'RevertTo'], 'Running', 'Stopped');
    expect(domain).toMatchObject({ phase: 'Stopped', disk: 'run-disk-disk-A', memory: undefined });
  });

  it('Running + disk-only snapshot with startAfterRevert: StopVM, RevertTo, StartVM, boots fresh', async () => {
    const { domain, memoryAtSnapshot } = await snapshotThenDiverge('run-disk-start', false);
    await createRevert(env, 'r-run-disk-start', {
      snapshotName: 'run-disk-start-snap',
      startAfterRevert: true,
    });
    await expectSucceeded(
      'r-run-disk-start',
      'run-disk-start',
      ['StopVM', 'RevertTo', 'StartVM'],
      'Running',
      'Running',
    );
    expect(domain).toMatchObject({ phase: 'Running', disk: 'run-disk-start-disk-A' });
    expect(domain.memory).not.toBe(memoryAtSnapshot);
    expect(domain.memory).not.toBe('run-disk-start-mem-B');
  });

  it('Stopped + memory snapshot: RevertTo resumes the memory, ends Running', async () => {
    const { domain, memoryAtSnapshot } = await snapshotThenDiverge('stop-mem', true);
    stop(domain);
    await createRevert(env, 'r-stop-mem', { snapshotName: 'stop-mem-snap' });
    await expectSucceeded('r-stop-mem', 'stop-mem', ['RevertTo'], 'Stopped', 'Running');
    expect(domain).toMatchObject({ phase: 'Running', disk: 'stop-mem-disk-A', memory: memoryAtSnapshot });
  });

  it('a snapshot taken while Paused reverts to Paused', async () => {
    const domain = sim.domain('paused');
    sim.setPhase(domain, 'Paused', 'User');
    const { memoryAtSnapshot } = await snapshotThenDiverge('paused', true);
    sim.setPhase(domain, 'Running');
    await createRevert(env, 'r-paused', { snapshotName: 'paused-snap' });
    await expectSucceeded('r-paused', 'paused', ['RevertTo'], 'Running', 'Paused');
    expect(domain).toMatchObject({ phase: 'Paused', disk: 'paused-disk-A', memory: memoryAtSnapshot });
  });

  it('spec.powerState Running wins: a disk-only revert ends in StartVM instead of bouncing through Stopped', async () => {
    const { domain } = await snapshotThenDiverge('desired-on', false);
    await createRevert(env, 'r-desired-on', { snapshotName: 'desired-on-snap' });
    await expectSucceeded(
      'r-desired-on',
      'desired-on',
      ['StopVM', 'RevertTo', 'StartVM'],
      'Running',
      'Running',
    );
    expect(domain).toMatchObject({ phase: 'Running', disk: 'desired-on-disk-A' });
  });

  it('allowPowerChange: false fails with PowerChangeNotAllowed and touches nothing', async () => {
    const { domain } = await snapshotThenDiverge('no-power', false);
    const before = sim.recorder.log.length;
    await createRevert(env, 'r-no-power', { snapshotName: 'no-power-snap', allowPowerChange: false });
    const failed = await revertFinished(env, 'r-no-power');
    expect(statusOf(failed).phase).toBe('Failed');
    expect(conditionOf(failed, 'Stalled')).toMatchObject({ status: 'True', reason: 'PowerChangeNotAllowed' });
    expect(conditionOf(failed, 'Ready')?.status).toBe('False');
    expect((statusOf(failed).error as { message: string }).message).toContain('allowPowerChange is false');
    expect(failed.metadata.finalizers).toBeUndefined();
    expect(powerCalls(sim, domain, before)).toEqual([]);
    expect(domain).toMatchObject({ phase: 'Running', disk: 'no-power-disk-B' });
    expect(log.of('no-power').some((s) => s.hold?.holder.kind === 'VMRevert')).toBe(false);
    expect(await eventReasons(env, failed)).toContain('RevertToFailed');
  });

  it('a snapshot deleted on the hypervisor behind vmsnap fails the revert before the VM is touched', async () => {
    const { domain } = await snapshotThenDiverge('missing', true);
    const name = String(statusOf(await env.getSnapshot('missing-snap')).snapshotName);
    domain.records.delete(name);
    domain.image.delete(name);
    const before = sim.recorder.log.length;
    await createRevert(env, 'r-missing', { snapshotName: 'missing-snap' });
    const failed = await revertFinished(env, 'r-missing');
    expect(conditionOf(failed, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'SnapshotNotOnHypervisor',
    });
    expect(conditionOf(failed, 'Stalled')?.message).toContain('the VM was not touched');
    expect(powerCalls(sim, domain, before)).toEqual([]);
    expect(domain.phase).toBe('Running');
    expect(statusOf(await env.getVm('missing')).hold).toBeUndefined();
  });

  it('a VMSnapshot that does not exist fails the revert with SnapshotNotFound', async () => {
    await createRevert(env, 'r-typo', { snapshotName: 'no-such-snapshot' });
    const failed = await revertFinished(env, 'r-typo');
    expect(conditionOf(failed, 'Stalled')).toMatchObject({ status: 'True', reason: 'SnapshotNotFound' });
    expect(conditionOf(failed, 'Stalled')?.message).toContain(
      '"no-such-snapshot" not found in namespace "default"',
    );
  });

  it('a revert and a snapshot of one VM applied together: one waits for the other, both finish', async () => {
    const { domain } = await snapshotThenDiverge('together', true);
    await Promise.all([
      createRevert(env, 'r-together', { snapshotName: 'together-snap' }),
      env.createSnapshot('together-later', { vmName: 'together', memory: true }),
    ]);
    await expectSucceeded('r-together', 'together', ['RevertTo'], 'Running', 'Running');
    await waitFor(
      async () => statusOf(await env.getSnapshot('together-later')).phase === 'Ready' || undefined,
      'the snapshot Ready',
    );
    await vmSettled(env, 'together', 'Running');
    expect(domain.disk).toBe('together-disk-A');
    // The hold passes from one operation to the other only through a moment with no hold at all.
    const holders = log.of('together').map((s) => s.hold?.holder.name);
    for (let i = 1; i < holders.length; i++) {
      if (holders[i] !== undefined && holders[i - 1] !== undefined) expect(holders[i]).toBe(holders[i - 1]);
    }
    expect(holders).toEqual(expect.arrayContaining(['r-together', 'together-later']));
  });

  function stop(domain: SimDomainState): void {
    sim.setPhase(domain, 'Stopped');
    domain.memory = undefined;
  }
});

/** The power-changing driver calls made on `domain` since log entry `from`. */
function powerCalls(sim: SimHypervisor, domain: SimDomainState, from: number): string[] {
  return sim.recorder.log
    .slice(from)
    .filter((r) => POWER_CALLS.has(r.operation) && (r.domain === domain.name || r.domain === domain.uuid))
    .map((r) => r.operation);
}
