import { describe, expect, it } from 'vitest';
import type { HoldView, HypervisorView, VmView } from '../../src/controllers/views.ts';
import { decideRevertStep, type RevertDecision } from '../../src/controllers/vmrevert/decide.ts';
import type { RevertSnapshotView, RevertView, RevertWorld } from '../../src/controllers/vmrevert/world.ts';

const since = '2026-11-24T10:00:00Z';

function revert(status: Partial<RevertView['status']> = {}, over: Partial<RevertView> = {}): RevertView {
  return {
    namespace: 'prod',
    name: 'rollback',
    uid: 'rev-uid',
    generation: 1,
    deleting: false,
    hasFinalizer: false,
    spec: { snapshotName: 'before-upgrade', allowPowerChange: true, startAfterRevert: false },
    status: {
      phase: undefined,
      vmName: undefined,
      fromPhase: undefined,
      toPhase: undefined,
      steps: [],
      completedSteps: [],
      ...status,
    },
    ...over,
  };
}

function snapshot(over: Partial<RevertSnapshotView> = {}): RevertSnapshotView {
  return {
    name: 'before-upgrade',
    vmName: 'web-1',
    phase: 'Ready',
    hypervisorName: 'vs-snap-uid',
    memory: true,
    vmPhase: 'Running',
    ...over,
  };
}

function vm(over: Partial<VmView> = {}): VmView {
  return {
    namespace: 'prod',
    name: 'web-1',
    uid: 'vm-uid',
    hypervisorName: 'kvm-01',
    domain: 'web-1',
    phase: 'Running',
    hold: undefined,
    currentSnapshot: undefined,
    ...over,
  };
}

const hypervisor: HypervisorView = {
  name: 'kvm-01',
  ready: true,
  maxConcurrentOperations: 2,
  capabilities: { memorySnapshots: true, quiesce: false },
};

const ourHold: HoldView = {
  operation: 'RevertTo',
  holder: { kind: 'VMRevert', name: 'rollback', uid: 'rev-uid' },
  since,
};
const snapshotHold: HoldView = {
  operation: 'Snapshot',
  holder: { kind: 'VMSnapshot', name: 'nightly', uid: 'snap-2' },
  since,
};

function world(over: Partial<RevertWorld> = {}): RevertWorld {
  return {
    revert: revert(),
    snapshot: snapshot(),
    vm: vm(),
    desiredPowerState: undefined,
    hypervisor,
    live: { ok: true, phase: 'Running', snapshotOnHypervisor: true },
    ...over,
  };
}

describe('decideRevertStep: validation fails before anything is touched', () => {
  it.each([
    ['the VMSnapshot does not exist', { snapshot: undefined }, 'SnapshotNotFound'],
    ['the VMSnapshot failed', { snapshot: snapshot({ phase: 'Failed' }) }, 'SnapshotNotReady'],
    ['the VMSnapshot is being deleted', { snapshot: snapshot({ phase: 'Deleting' }) }, 'SnapshotNotReady'],
    ['the VM no longer exists', { vm: undefined }, 'VMNotFound'],
    [
      'the hypervisor no longer has the snapshot',
      { live: { ok: true, phase: 'Running', snapshotOnHypervisor: false } },
      'SnapshotNotOnHypervisor',
    ],
    [
      'the domain is gone from the hypervisor',
      { live: { ok: false, reason: 'DomainNotFound', message: 'no domain web-1', retryable: false } },
      'DomainNotFound',
    ],
  ] as const)('%s -> Failed', (_what, over, reason) => {
    const step = decideRevertStep(world(over as Partial<RevertWorld>));
    expect(step).toMatchObject({ kind: 'Fail', reason, releaseHold: false });
    if (step.kind === 'Fail' && reason !== 'VMNotFound' && reason !== 'DomainNotFound') {
      expect(step.message).toContain('the VM was not touched');
    }
  });

  it('names the snapshot and the namespace when the VMSnapshot is missing', () => {
    const step = decideRevertStep(world({ snapshot: undefined }));
    expect(step.kind === 'Fail' && step.message).toBe(
      'VMSnapshot "before-upgrade" not found in namespace "prod"; the VM was not touched',
    );
  });

  it.each([
    ['Running', { memory: false, vmPhase: 'Stopped' }],
    ['Stopped', { memory: true, vmPhase: 'Running' }],
  ] as const)('allowPowerChange=false: VM %s + %o -> PowerChangeNotAllowed', (phase, snap) => {
    const step = decideRevertStep(
      world({
        revert: revert(
          {},
          { spec: { snapshotName: 'before-upgrade', allowPowerChange: false, startAfterRevert: false } },
        ),
        snapshot: snapshot(snap),
        live: { ok: true, phase, snapshotOnHypervisor: true },
      }),
    );
    expect(step).toMatchObject({ kind: 'Fail', reason: 'PowerChangeNotAllowed', releaseHold: false });
  });

  it('checks PowerChangeNotAllowed before waiting for another holder', () => {
    const step = decideRevertStep(
      world({
        revert: revert(
          {},
          { spec: { snapshotName: 'before-upgrade', allowPowerChange: false, startAfterRevert: false } },
        ),
        snapshot: snapshot({ memory: false, vmPhase: 'Stopped' }),
        vm: vm({ hold: snapshotHold }),
      }),
    );
    expect(step).toMatchObject({ kind: 'Fail', reason: 'PowerChangeNotAllowed' });
  });

  it('fails a revert whose snapshot vanished from the hypervisor after the VM was stopped, releasing the hold', () => {
    const step = decideRevertStep(
      world({
        revert: revert(planned(['StopVM', 'RevertTo'], 'Running', 'Stopped', ['StopVM']), {
          hasFinalizer: true,
        }),
        vm: vm({ hold: ourHold }),
        snapshot: snapshot({ memory: false }),
        live: { ok: true, phase: 'Stopped', snapshotOnHypervisor: false },
      }),
    );
    expect(step).toMatchObject({ kind: 'Fail', reason: 'SnapshotNotOnHypervisor', releaseHold: true });
    expect(step.kind === 'Fail' && step.message).not.toContain('not touched');
  });
});

describe('decideRevertStep: waiting', () => {
  it.each([
    [
      'a snapshot still being taken',
      { snapshot: snapshot({ phase: 'InProgress', memory: undefined }) },
      'SnapshotNotReady',
    ],
    ['a missing Hypervisor', { hypervisor: undefined }, 'HypervisorNotReady'],
    [
      'a Hypervisor not ready',
      { hypervisor: { ...hypervisor, ready: false, notReadyMessage: 'ssh: timeout' } },
      'HypervisorNotReady',
    ],
    [
      'an unreachable hypervisor',
      { live: { ok: false, reason: 'HypervisorUnreachable', message: 'down', retryable: true } },
      'HypervisorUnreachable',
    ],
    [
      'a suspended domain',
      { live: { ok: true, phase: 'Suspended', snapshotOnHypervisor: true } },
      'VMPhaseUnsupported',
    ],
  ] as const)('waits for %s', (_what, over, reason) => {
    expect(decideRevertStep(world(over as Partial<RevertWorld>))).toMatchObject({ kind: 'Wait', reason });
  });

  it('waits for another holder with a reason naming it', () => {
    const step = decideRevertStep(world({ vm: vm({ hold: snapshotHold }) }));
    expect(step).toMatchObject({ kind: 'Wait', reason: 'WaitingForHold' });
    expect(step.kind === 'Wait' && step.message).toContain('VMSnapshot "nightly" (Snapshot)');
  });

  it('a started revert that lost its hold waits for the new holder, then takes the hold again without re-planning', () => {
    const status = planned(['StopVM', 'RevertTo'], 'Running', 'Stopped', ['StopVM']);
    const base = {
      revert: revert(status, { hasFinalizer: true }),
      snapshot: snapshot({ memory: false }),
      live: { ok: true, phase: 'Stopped', snapshotOnHypervisor: true } as const,
    };
    expect(decideRevertStep(world({ ...base, vm: vm({ hold: snapshotHold }) })).kind).toBe('Wait');
    expect(decideRevertStep(world(base))).toEqual({ kind: 'TakeHold' });
  });
});

describe('decideRevertStep: the plan', () => {
  it.each([
    ['Running', { memory: true, vmPhase: 'Running' }, undefined, false, ['RevertTo'], 'Running'],
    ['Stopped', { memory: false, vmPhase: 'Stopped' }, undefined, false, ['RevertTo'], 'Stopped'],
    ['Running', { memory: false, vmPhase: 'Running' }, undefined, false, ['StopVM', 'RevertTo'], 'Stopped'],
    [
      'Running',
      { memory: false, vmPhase: 'Running' },
      undefined,
      true,
      ['StopVM', 'RevertTo', 'StartVM'],
      'Running',
    ],
    ['Stopped', { memory: true, vmPhase: 'Running' }, undefined, false, ['RevertTo'], 'Running'],
    ['Running', { memory: true, vmPhase: 'Paused' }, undefined, false, ['RevertTo'], 'Paused'],
    // spec.powerState wins: no bounce.
    ['Running', { memory: true, vmPhase: 'Running' }, 'Stopped', false, ['RevertTo'], 'Stopped'],
    ['Stopped', { memory: false, vmPhase: 'Stopped' }, 'Running', false, ['RevertTo', 'StartVM'], 'Running'],
    [
      'Running',
      { memory: false, vmPhase: 'Running' },
      'Running',
      false,
      ['StopVM', 'RevertTo', 'StartVM'],
      'Running',
    ],
    ['Stopped', { memory: true, vmPhase: 'Paused' }, 'Running', false, ['RevertTo'], 'Running'],
  ] as const)(
    'VM %s + snapshot %o, powerState %s, startAfterRevert %s -> %o ending %s',
    (phase, snap, desired, startAfter, steps, toPhase) => {
      const step = decideRevertStep(
        world({
          revert: revert(
            {},
            {
              spec: { snapshotName: 'before-upgrade', allowPowerChange: true, startAfterRevert: startAfter },
            },
          ),
          snapshot: snapshot(snap),
          desiredPowerState: desired,
          live: { ok: true, phase, snapshotOnHypervisor: true },
        }),
      );
      expect(step).toEqual({ kind: 'Plan', plan: { vmName: 'web-1', fromPhase: phase, toPhase, steps } });
    },
  );

  it('re-plans while waiting if the VM changed before the hold was taken', () => {
    const status = planned(['RevertTo'], 'Running', 'Running', []);
    const step = decideRevertStep(
      world({
        revert: revert(status, { hasFinalizer: true }),
        snapshot: snapshot({ memory: false }),
        live: { ok: true, phase: 'Stopped', snapshotOnHypervisor: true },
      }),
    );
    expect(step).toMatchObject({
      kind: 'Plan',
      plan: { fromPhase: 'Stopped', steps: ['RevertTo'], toPhase: 'Stopped' },
    });
  });

  it('adds the finalizer after the plan, then takes the hold', () => {
    const status = planned(['RevertTo'], 'Running', 'Running', []);
    expect(decideRevertStep(world({ revert: revert(status) }))).toEqual({ kind: 'AddFinalizer' });
    expect(decideRevertStep(world({ revert: revert(status, { hasFinalizer: true }) }))).toEqual({
      kind: 'TakeHold',
    });
  });
});

describe('decideRevertStep: running the steps', () => {
  it.each([
    [['StopVM', 'RevertTo'], 'Stopped', [], { step: 'StopVM', finalState: 'Stopped' }],
    [['StopVM', 'RevertTo'], 'Stopped', ['StopVM'], { step: 'RevertTo', finalState: 'Stopped' }],
    [['StopVM', 'RevertTo', 'StartVM'], 'Running', ['StopVM'], { step: 'RevertTo', finalState: 'Stopped' }],
    [['StopVM', 'RevertTo', 'StartVM'], 'Running', ['StopVM', 'RevertTo'], { step: 'StartVM' }],
    [['RevertTo'], 'Paused', [], { step: 'RevertTo', finalState: 'Paused' }],
  ] as const)('plan %o ending %s, done %o -> %o', (steps, toPhase, done, expected) => {
    const step = decideRevertStep(
      world({
        revert: revert(planned(steps, 'Running', toPhase, done), { hasFinalizer: true }),
        vm: vm({ hold: ourHold }),
      }),
    );
    expect(step).toMatchObject({ kind: 'RunStep', ...expected });
  });

  it('after the last step: Finish while holding, then Succeed, then RemoveFinalizer, then Done', () => {
    const done = planned(['RevertTo'], 'Running', 'Running', ['RevertTo']);
    expect(
      decideRevertStep(world({ revert: revert(done, { hasFinalizer: true }), vm: vm({ hold: ourHold }) })),
    ).toEqual({
      kind: 'Finish',
    });
    expect(decideRevertStep(world({ revert: revert(done, { hasFinalizer: true }) }))).toEqual({
      kind: 'Succeed',
    });
    const succeeded = { ...done, phase: 'Succeeded' as const };
    expect(decideRevertStep(world({ revert: revert(succeeded, { hasFinalizer: true }) }))).toEqual({
      kind: 'RemoveFinalizer',
    });
    expect(decideRevertStep(world({ revert: revert(succeeded) }))).toEqual({ kind: 'Done' });
  });

  it('a snapshot deleted after RevertTo no longer matters: the revert completes', () => {
    const status = planned(['StopVM', 'RevertTo', 'StartVM'], 'Running', 'Running', ['StopVM', 'RevertTo']);
    const step = decideRevertStep(
      world({
        revert: revert(status, { hasFinalizer: true }),
        vm: vm({ hold: ourHold }),
        snapshot: undefined,
      }),
    );
    expect(step).toEqual({ kind: 'RunStep', step: 'StartVM', finalState: 'Stopped' });
  });

  it('a Failed revert that still holds the VM releases the hold', () => {
    const failed = { ...planned(['RevertTo'], 'Running', 'Running', []), phase: 'Failed' as const };
    expect(
      decideRevertStep(world({ revert: revert(failed, { hasFinalizer: true }), vm: vm({ hold: ourHold }) })),
    ).toEqual({
      kind: 'ReleaseHold',
    });
  });
});

describe('decideRevertStep: deletion', () => {
  it('releases a hold it still has and removes the finalizer; without the finalizer there is nothing to do', () => {
    const mid = planned(['StopVM', 'RevertTo'], 'Running', 'Stopped', ['StopVM']);
    expect(
      decideRevertStep(
        world({ revert: revert(mid, { deleting: true, hasFinalizer: true }), vm: vm({ hold: ourHold }) }),
      ),
    ).toEqual({ kind: 'Cleanup', releaseHold: true });
    expect(decideRevertStep(world({ revert: revert(mid, { deleting: true, hasFinalizer: true }) }))).toEqual({
      kind: 'Cleanup',
      releaseHold: false,
    });
    expect(decideRevertStep(world({ revert: revert(mid, { deleting: true }) }))).toEqual({ kind: 'Done' });
  });

  it('does not mistake a hold of a recreated VMRevert with the same name for its own', () => {
    const hold = { ...ourHold, holder: { ...ourHold.holder, uid: 'older-uid' } };
    const step = decideRevertStep(
      world({ revert: revert({}, { deleting: true, hasFinalizer: true }), vm: vm({ hold }) }),
    );
    expect(step).toEqual({ kind: 'Cleanup', releaseHold: false });
  });
});

/**
 * The whole flow, modelled: each decision's effect is applied to the world the way the reconciler applies it,
 * and a crash is modelled by applying only the part of a step that reached the hypervisor (or nothing). From
 * every such world the next decision must lead on to the same end state.
 */
describe('decideRevertStep: crash at every step converges', () => {
  type Effect = 'none' | 'hypervisorOnly' | 'all';

  function apply(w: RevertWorld, step: RevertDecision, effect: Effect): RevertWorld {
    if (effect === 'none') return w;
    const r = w.revert;
    const next = { ...w, revert: { ...r, status: { ...r.status } }, vm: w.vm && { ...w.vm } };
    const status = next.revert.status;
    switch (step.kind) {
      case 'Plan':
        Object.assign(status, { phase: 'Pending', ...step.plan });
        break;
      case 'AddFinalizer':
        next.revert.hasFinalizer = true;
        break;
      case 'TakeHold':
        if (next.vm) next.vm.hold = ourHold;
        break;
      case 'RunStep':
        next.live = { ok: true, phase: phaseAfter(step), snapshotOnHypervisor: true };
        if (effect === 'all') {
          status.phase = 'Reverting';
          status.completedSteps = [...status.completedSteps, step.step];
        }
        break;
      case 'Finish':
        if (next.vm) next.vm = { ...next.vm, hold: undefined, currentSnapshot: 'before-upgrade' };
        break;
      case 'Succeed':
        status.phase = 'Succeeded';
        break;
      case 'RemoveFinalizer':
        next.revert.hasFinalizer = false;
        break;
      default:
        throw new Error(`unexpected step ${step.kind}`);
    }
    return next;
  }

  function phaseAfter(step: Extract<RevertDecision, { kind: 'RunStep' }>): 'Running' | 'Paused' | 'Stopped' {
    if (step.step === 'StopVM') return 'Stopped';
    if (step.step === 'StartVM') return 'Running';
    return step.finalState;
  }

  /** Runs to Done, crashing at step `crashAt` with `effect`; returns the decisions taken and the final world. */
  function run(start: RevertWorld, crashAt: number, effect: Effect) {
    let w = start;
    const kinds: string[] = [];
    const driverCalls: string[] = [];
    for (let i = 0; i < 30; i++) {
      const step = decideRevertStep(w);
      kinds.push(step.kind === 'RunStep' ? step.step : step.kind);
      if (step.kind === 'Done') return { kinds, driverCalls, world: w };
      if (step.kind === 'RunStep') driverCalls.push(step.step);
      w = apply(w, step, i === crashAt ? effect : 'all');
    }
    throw new Error(`no convergence: ${kinds.join(' -> ')}`);
  }

  const cases = [
    [
      'Running + disk-only, startAfterRevert',
      'Running',
      { memory: false, vmPhase: 'Running' },
      true,
      'Running',
    ],
    ['Running + memory', 'Running', { memory: true, vmPhase: 'Running' }, false, 'Running'],
    ['Stopped + disk-only', 'Stopped', { memory: false, vmPhase: 'Stopped' }, false, 'Stopped'],
    ['Stopped + memory', 'Stopped', { memory: true, vmPhase: 'Running' }, false, 'Running'],
    ['Running + paused memory', 'Running', { memory: true, vmPhase: 'Paused' }, false, 'Paused'],
  ] as const;

  it.each(cases)('%s: the flow without a crash', (_name, phase, snap, startAfter, endPhase) => {
    const start = world({
      revert: revert(
        {},
        { spec: { snapshotName: 'before-upgrade', allowPowerChange: true, startAfterRevert: startAfter } },
      ),
      snapshot: snapshot(snap),
      live: { ok: true, phase, snapshotOnHypervisor: true },
    });
    const { kinds, world: end } = run(start, -1, 'all');
    expect(kinds.slice(0, 3)).toEqual(['Plan', 'AddFinalizer', 'TakeHold']);
    expect(kinds.slice(-4)).toEqual(['Finish', 'Succeed', 'RemoveFinalizer', 'Done']);
    expect(end.live).toMatchObject({ phase: endPhase });
    expect(end.vm).toMatchObject({ hold: undefined, currentSnapshot: 'before-upgrade' });
  });

  it.each(cases)(
    '%s: a crash at any step ends in the same state, each step run at most twice',
    (_name, phase, snap, startAfter, endPhase) => {
      const start = world({
        revert: revert(
          {},
          { spec: { snapshotName: 'before-upgrade', allowPowerChange: true, startAfterRevert: startAfter } },
        ),
        snapshot: snapshot(snap),
        live: { ok: true, phase, snapshotOnHypervisor: true },
      });
      const clean = run(start, -1, 'all');
      for (let crashAt = 0; crashAt < clean.kinds.length - 1; crashAt++) {
        for (const effect of ['none', 'hypervisorOnly'] as const) {
          const crashed = run(start, crashAt, effect);
          expect(crashed.world.live, `crash at ${clean.kinds[crashAt]} (${effect})`).toMatchObject({
            phase: endPhase,
          });
          expect(crashed.world.vm).toMatchObject({ hold: undefined, currentSnapshot: 'before-upgrade' });
          expect(crashed.world.revert.status.phase).toBe('Succeeded');
          expect(crashed.world.revert.hasFinalizer).toBe(false);
          for (const call of new Set(crashed.driverCalls)) {
            expect(crashed.driverCalls.filter((c) => c === call).length).toBeLessThanOrEqual(2);
          }
        }
      }
    },
  );
});

function planned(
  steps: readonly RevertView['status']['steps'][number][],
  fromPhase: 'Running' | 'Paused' | 'Stopped',
  toPhase: 'Running' | 'Paused' | 'Stopped',
  completedSteps: readonly RevertView['status']['steps'][number][],
): Partial<RevertView['status']> {
  return {
    phase: completedSteps.length > 0 ? 'Reverting' : 'Pending',
    vmName: 'web-1',
    fromPhase,
    toPhase,
    steps,
    completedSteps,
  };
}
