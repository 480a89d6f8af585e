import { describe, expect, it } from 'vitest';
import { planRevert, type RevertPlanInput, revertFinalStateOf } from '../../src/controllers/vmrevert/plan.ts';

function input(over: Partial<RevertPlanInput>): RevertPlanInput {
  return {
    vmPhase: 'Running',
    snapshot: { memory: true, vmPhase: 'Running' },
    desiredPowerState: undefined,
    allowPowerChange: true,
    startAfterRevert: false,
    ...over,
  };
}

const running = { memory: true, vmPhase: 'Running' } as const;
const diskOnly = { memory: false, vmPhase: 'Stopped' } as const;

describe('planRevert: the four cases of API.md', () => {
  it.each([
    ['Running', running, ['RevertTo'], 'Running'],
    ['Stopped', diskOnly, ['RevertTo'], 'Stopped'],
    ['Running', diskOnly, ['StopVM', 'RevertTo'], 'Stopped'],
    ['Stopped', running, ['RevertTo'], 'Running'],
  ] as const)('VM %s + %o -> %o, ends %s', (vmPhase, snapshot, steps, toPhase) => {
    expect(planRevert(input({ vmPhase, snapshot }))).toEqual({
      ok: true,
      plan: { steps, toPhase, revertFinalState: toPhase },
    });
  });

  it('starts the VM after a disk-only revert when asked', () => {
    const r = planRevert(input({ snapshot: diskOnly, startAfterRevert: true }));
    expect(r).toEqual({
      ok: true,
      plan: { steps: ['StopVM', 'RevertTo', 'StartVM'], revertFinalState: 'Stopped', toPhase: 'Running' },
    });
  });

  it('reverts a snapshot taken while paused to Paused', () => {
    const r = planRevert(input({ vmPhase: 'Stopped', snapshot: { memory: true, vmPhase: 'Paused' } }));
    expect(r.ok && r.plan.toPhase).toBe('Paused');
  });

  it('refuses power changes before anything is touched when allowPowerChange is false', () => {
    for (const [vmPhase, snapshot] of [
      ['Running', diskOnly],
      ['Stopped', running],
    ] as const) {
      const r = planRevert(input({ vmPhase, snapshot, allowPowerChange: false }));
      expect(r).toMatchObject({ ok: false, reason: 'PowerChangeNotAllowed' });
    }
    expect(planRevert(input({ allowPowerChange: false })).ok).toBe(true);
    expect(planRevert(input({ vmPhase: 'Stopped', snapshot: diskOnly, allowPowerChange: false })).ok).toBe(
      true,
    );
  });

  it('ends in the VM spec.powerState directly instead of bouncing', () => {
    const stopped = planRevert(input({ snapshot: running, desiredPowerState: 'Stopped' }));
    expect(stopped).toEqual({
      ok: true,
      plan: { steps: ['RevertTo'], revertFinalState: 'Stopped', toPhase: 'Stopped' },
    });
    const started = planRevert(
      input({ vmPhase: 'Stopped', snapshot: diskOnly, desiredPowerState: 'Running' }),
    );
    expect(started.ok && started.plan.steps).toEqual(['RevertTo', 'StartVM']);
  });

  it('reverts a paused snapshot straight to Running when the VM should run', () => {
    const r = planRevert(
      input({ snapshot: { memory: true, vmPhase: 'Paused' }, desiredPowerState: 'Running' }),
    );
    expect(r).toEqual({
      ok: true,
      plan: { steps: ['RevertTo'], revertFinalState: 'Running', toPhase: 'Running' },
    });
  });

  it('compares allowPowerChange with the desired state when one is declared', () => {
    const r = planRevert(input({ snapshot: running, desiredPowerState: 'Stopped', allowPowerChange: false }));
    expect(r).toMatchObject({ ok: false, reason: 'PowerChangeNotAllowed' });
  });

  it('recovers the driver finalState from a recorded plan', () => {
    expect(revertFinalStateOf(['StopVM', 'RevertTo', 'StartVM'], 'Running')).toBe('Stopped');
    expect(revertFinalStateOf(['RevertTo', 'StartVM'], 'Running')).toBe('Stopped');
    expect(revertFinalStateOf(['RevertTo'], 'Paused')).toBe('Paused');
    expect(revertFinalStateOf(['StopVM', 'RevertTo'], 'Stopped')).toBe('Stopped');
  });
});
