import { describe, expect, it } from 'vitest';
import type { HoldView } from '../../src/controllers/views.ts';
import { decideVmStep, type VmWorld } from '../../src/controllers/virtualmachine/decide.ts';

const hold: HoldView = {
  operation: 'Snapshot',
  holder: { kind: 'VMSnapshot', name: 'nightly-1', uid: 'u1' },
  since: '2026-11-24T10:00:00Z',
};

function world(over: Partial<VmWorld> = {}): VmWorld {
  return {
    observedPhase: 'Running',
    pausedReason: undefined,
    desiredPowerState: undefined,
    hold: undefined,
    holderExists: undefined,
    ...over,
  };
}

describe('decideVmStep', () => {
  it('only observes a VM without a desired power state', () => {
    expect(decideVmStep(world({ observedPhase: 'Stopped' }))).toEqual({ kind: 'Observe' });
  });

  it('converges to the desired power state when the VM is free', () => {
    expect(decideVmStep(world({ observedPhase: 'Stopped', desiredPowerState: 'Running' })).kind).toBe(
      'PowerOn',
    );
    expect(decideVmStep(world({ observedPhase: 'Running', desiredPowerState: 'Stopped' })).kind).toBe(
      'PowerOff',
    );
    expect(decideVmStep(world({ observedPhase: 'Paused', desiredPowerState: 'Stopped' })).kind).toBe(
      'PowerOff',
    );
    expect(decideVmStep(world({ observedPhase: 'Running', desiredPowerState: 'Running' })).kind).toBe(
      'Observe',
    );
  });

  it('never changes power state while held, and says who holds it', () => {
    const step = decideVmStep(
      world({ observedPhase: 'Running', desiredPowerState: 'Stopped', hold, holderExists: true }),
    );
    expect(step.kind).toBe('Observe');
    expect(step.kind === 'Observe' && step.heldMessage).toContain('VMSnapshot "nightly-1"');
  });

  it('releases a hold whose holder is gone', () => {
    const step = decideVmStep(world({ hold, holderExists: false, desiredPowerState: 'Stopped' }));
    expect(step.kind).toBe('ReleaseStaleHold');
  });

  it('resumes a VM left paused by an interrupted snapshot only when nothing holds it', () => {
    expect(decideVmStep(world({ observedPhase: 'Paused', pausedReason: 'Saving' })).kind).toBe('Recover');
    expect(
      decideVmStep(world({ observedPhase: 'Paused', pausedReason: 'Saving', hold, holderExists: true })).kind,
    ).toBe('Observe');
  });

  it('leaves a VM a user paused alone', () => {
    expect(decideVmStep(world({ observedPhase: 'Paused', pausedReason: 'User' })).kind).toBe('Observe');
  });
});
