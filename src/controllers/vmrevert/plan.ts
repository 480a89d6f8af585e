/**
 * Plans a revert: the steps from the VM's phase now and the snapshot, per API.md's four cases.
 *
 * | VM now          | snapshot  | steps                     | VM ends                                    |
 * | Running/Paused  | memory    | RevertTo                  | the snapshot's phase (Running or Paused)   |
 * | Stopped         | disk-only | RevertTo                  | Stopped                                    |
 * | Running/Paused  | disk-only | StopVM, RevertTo          | Stopped (Running with startAfterRevert)    |
 * | Stopped         | memory    | RevertTo (resumes memory) | the snapshot's phase                       |
 *
 * When the VirtualMachine declares spec.powerState, that state wins: the VM controller would converge to it as
 * soon as the hold is released, so the plan ends in it directly instead of bouncing: a StartVM step after a
 * disk-only revert, a paused snapshot reverted straight to Running, a memory snapshot reverted straight to Stopped.
 * allowPowerChange=false compares power (on = Running/Paused, off = Stopped) now with the planned end.
 */
export type RevertStepName = 'StopVM' | 'RevertTo' | 'StartVM';
export type PlannedPhase = 'Running' | 'Paused' | 'Stopped';

export interface RevertPlanInput {
  vmPhase: 'Running' | 'Paused' | 'Stopped';
  snapshot: { memory: boolean; vmPhase: 'Running' | 'Paused' | 'Stopped' };
  desiredPowerState: 'Running' | 'Stopped' | undefined;
  allowPowerChange: boolean;
  startAfterRevert: boolean;
}

export interface RevertPlan {
  steps: RevertStepName[];
  /** The state the hypervisor's revert itself leaves the VM in (the driver's revertTo finalState). */
  revertFinalState: PlannedPhase;
  toPhase: PlannedPhase;
}

export type RevertPlanResult =
  | { ok: true; plan: RevertPlan }
  | { ok: false; reason: 'PowerChangeNotAllowed'; message: string };

export function planRevert(input: RevertPlanInput): RevertPlanResult {
  const isOn = input.vmPhase !== 'Stopped';
  const steps: RevertStepName[] = [];
  let revertFinalState: PlannedPhase;

  if (input.snapshot.memory) {
    revertFinalState = input.snapshot.vmPhase === 'Paused' ? 'Paused' : 'Running';
  } else {
    if (isOn) steps.push('StopVM');
    revertFinalState = 'Stopped';
  }
  steps.push('RevertTo');

  let toPhase = revertFinalState;
  const wanted =
    input.desiredPowerState ?? (!input.snapshot.memory && input.startAfterRevert ? 'Running' : undefined);
  if (wanted === 'Running' && revertFinalState === 'Stopped') {
    steps.push('StartVM');
    toPhase = 'Running';
  } else if (wanted === 'Running' && revertFinalState === 'Paused') {
    // A snapshot taken while paused would come back paused and be resumed at once: resume it in the revert.
    revertFinalState = 'Running';
    toPhase = 'Running';
  } else if (wanted === 'Stopped' && revertFinalState !== 'Stopped') {
    // The memory state would be discarded right away: revert straight to the snapshot's disk, stopped.
    revertFinalState = 'Stopped';
    toPhase = 'Stopped';
  }

  const endsOn = toPhase !== 'Stopped';
  if (!input.allowPowerChange && endsOn !== isOn) {
    return {
      ok: false,
      reason: 'PowerChangeNotAllowed',
      message: `reverting would ${endsOn ? 'start' : 'stop'} the VM (${input.vmPhase} -> ${toPhase}) and allowPowerChange is false`,
    };
  }
  return { ok: true, plan: { steps, revertFinalState, toPhase } };
}

/**
 * The finalState the RevertTo step asks of the driver, from a plan as recorded in a VMRevert's status (which keeps
 * steps and toPhase, not the driver's state): a StartVM after the revert means the revert itself ends Stopped.
 */
export function revertFinalStateOf(steps: readonly string[], toPhase: PlannedPhase): PlannedPhase {
  const revertAt = steps.indexOf('RevertTo');
  return steps.indexOf('StartVM') > revertAt ? 'Stopped' : toPhase;
}
