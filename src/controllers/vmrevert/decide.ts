import type { RevertStep } from '../../api/vm-revert.ts';
import type { RevertFinalState } from '../../drivers/port.ts';
import type { HoldView, VmPhase } from '../views.ts';
import { type PlannedPhase, planRevert, revertFinalStateOf } from './plan.ts';
import type { RevertView, RevertWorld } from './world.ts';

/**
 * The VMRevert reconciler's brain: from what it observed, the ONE next step. Pure, so every case is a unit test.
 *
 * Expected flow (each arrow is one step; the reconciler carries out the steps that only write API objects and
 * the step after them in one reconcile, see reconciler.ts):
 *   (validate, wait for the hold to be free) -> Plan -> AddFinalizer -> TakeHold -> RunStep x N -> Finish -> Succeed
 *   -> RemoveFinalizer -> Done
 * - Validation fails the revert (phase Failed, Stalled=True) BEFORE anything on the hypervisor is touched when the
 *   VMSnapshot does not exist or failed, its VM does not exist, the hypervisor no longer has the snapshot (deleted
 *   behind vmsnap's back), or allowPowerChange=false and the plan changes the VM's power state
 *   (PowerChangeNotAllowed). A snapshot still being taken, a Hypervisor not ready and another operation holding
 *   the VM are waited for (Reconciling=True, the reason names what is awaited).
 * - Plan records steps, fromPhase, toPhase, vmName and startTime. It is recomputed while the hold is not yet taken
 *   (the VM may change while another operation holds it) and fixed from the first completed step on.
 * - The finalizer is added before the hold, and removed once the revert has let go of the VM: it exists so that
 *   deleting a VMRevert mid-way releases the hold only after the driver call in flight returned (the VM
 *   controller's stale-hold release could otherwise free the VM while the revert still works on it).
 * - TakeHold writes the VM's status.hold guarded by resourceVersion (operation RevertTo, Reverting=True): of a
 *   revert and a snapshot racing for one VM exactly one wins, the other waits.
 * - RunStep runs the next step of the plan and appends it to status.completedSteps once the driver returned.
 *   Crash points: a crash before the record re-runs the step. StopVM and StartVM are idempotent; re-running
 *   RevertTo repeats the revert (the port's contract: the VM loses only what happened since the first one).
 * - Finish sets the VM's currentSnapshot and releases the hold in one guarded write; Succeed then records phase
 *   Succeeded and completionTime. A crash between the two leaves every step done and no hold: Succeed follows.
 * - Fail records phase Failed, then releases a hold the revert still has; a crash between the two leaves a Failed
 *   revert holding the VM, and ReleaseHold follows.
 * Deletion: Cleanup releases a hold the revert still has (the VM stays as the completed steps left it) and removes
 * the finalizer; it never waits on the hypervisor, so deletion never needs a human.
 */
export type RevertDecision =
  | { kind: 'Done' }
  | { kind: 'Cleanup'; releaseHold: boolean }
  | { kind: 'RemoveFinalizer' }
  | { kind: 'Wait'; reason: string; message: string; requeueAfterMs: number }
  | { kind: 'Fail'; reason: string; message: string; releaseHold: boolean }
  | { kind: 'Plan'; plan: RecordedPlan }
  | { kind: 'AddFinalizer' }
  | { kind: 'TakeHold' }
  | { kind: 'RunStep'; step: RevertStep; finalState: RevertFinalState }
  | { kind: 'Finish' }
  | { kind: 'Succeed' }
  | { kind: 'ReleaseHold' };

/** The plan as the VMRevert's status records it. */
export interface RecordedPlan {
  vmName: string;
  fromPhase: PlannedPhase;
  toPhase: PlannedPhase;
  steps: RevertStep[];
}

/** How often a waiting revert looks again even without a watch event (events normally wake it sooner). */
export const WAIT_REQUEUE_MS = 30_000;

export function decideRevertStep(world: RevertWorld): RevertDecision {
  const { revert, vm } = world;
  const holdsVm = vm !== undefined && isHeldByRevert(vm.hold, revert);

  if (revert.deleting)
    return revert.hasFinalizer ? { kind: 'Cleanup', releaseHold: holdsVm } : { kind: 'Done' };
  if (revert.status.phase === 'Succeeded' || revert.status.phase === 'Failed') {
    if (holdsVm) return { kind: 'ReleaseHold' };
    return revert.hasFinalizer ? { kind: 'RemoveFinalizer' } : { kind: 'Done' };
  }

  const { steps, completedSteps } = revert.status;
  if (steps.length > 0 && completedSteps.length >= steps.length) {
    return holdsVm ? { kind: 'Finish' } : { kind: 'Succeed' };
  }
  const blocker = blockerOf(world, holdsVm);
  if (blocker) return blocker;

  const next = steps[completedSteps.length];
  if (holdsVm && next !== undefined) {
    const toPhase = plannedPhase(revert.status.toPhase);
    return { kind: 'RunStep', step: next, finalState: revertFinalStateOf(steps, toPhase) };
  }
  return decideBeforeHold(world);
}

/** Why the revert cannot go on now: a terminal failure, or something to wait for. */
function blockerOf(world: RevertWorld, holdsVm: boolean): RevertDecision | undefined {
  const { revert, snapshot, vm, hypervisor, live } = world;
  const revertDone = revert.status.completedSteps.includes('RevertTo');
  const fail = (reason: string, message: string): RevertDecision => ({
    kind: 'Fail',
    reason,
    message,
    releaseHold: holdsVm,
  });
  const untouched = revert.status.completedSteps.length === 0 ? '; the VM was not touched' : '';

  if (snapshot === undefined && !revertDone) {
    return fail(
      'SnapshotNotFound',
      `VMSnapshot "${revert.spec.snapshotName}" not found in namespace "${revert.namespace}"${untouched}`,
    );
  }
  if (vm === undefined) {
    const vmName = revert.status.vmName ?? snapshot?.vmName ?? '';
    return {
      kind: 'Fail',
      reason: 'VMNotFound',
      message: `VirtualMachine "${vmName}" (the VM of VMSnapshot "${revert.spec.snapshotName}") no longer exists`,
      releaseHold: false,
    };
  }
  if (snapshot !== undefined && !revertDone) {
    if (snapshot.phase === 'Failed' || snapshot.phase === 'Deleting') {
      return fail(
        'SnapshotNotReady',
        `VMSnapshot "${snapshot.name}" is ${snapshot.phase} and cannot be reverted to${untouched}`,
      );
    }
    if (
      snapshot.phase !== 'Ready' ||
      snapshot.memory === undefined ||
      snapshot.hypervisorName === undefined
    ) {
      return wait(
        'SnapshotNotReady',
        `waiting for VMSnapshot "${snapshot.name}" to be Ready (${snapshot.phase ?? 'Pending'})`,
      );
    }
  }
  if (hypervisor === undefined) {
    return wait(
      'HypervisorNotReady',
      `Hypervisor "${vm.hypervisorName}" (of VirtualMachine "${vm.name}") not found`,
    );
  }
  if (!hypervisor.ready) {
    return wait(
      'HypervisorNotReady',
      `Hypervisor "${hypervisor.name}" is not ready: ${hypervisor.notReadyMessage ?? 'not probed yet'}`,
    );
  }
  if (live === undefined) {
    return wait(
      'VMNotObserved',
      `domain "${vm.domain}" has not been looked at on Hypervisor "${hypervisor.name}" yet`,
    );
  }
  if (!live.ok) return live.retryable ? wait(live.reason, live.message) : fail(live.reason, live.message);
  if (!revertDone && live.snapshotOnHypervisor === false) {
    return fail(
      'SnapshotNotOnHypervisor',
      `snapshot "${snapshot?.hypervisorName}" of VMSnapshot "${revert.spec.snapshotName}" no longer exists on Hypervisor "${hypervisor.name}" (deleted outside vmsnap?)${untouched}`,
    );
  }
  return undefined;
}

/** Not holding the VM yet (or no longer): check the power rule, plan, and take the hold once it is free. */
function decideBeforeHold(world: RevertWorld): RevertDecision {
  const { revert, snapshot, vm, live } = world;
  // blockerOf made sure of these: the VM exists, the domain answered, the snapshot is Ready.
  if (vm === undefined || live === undefined || !live.ok)
    throw new Error('decideBeforeHold: unchecked world');
  const started = revert.status.completedSteps.length > 0;

  if (!started) {
    if (live.phase !== 'Running' && live.phase !== 'Paused' && live.phase !== 'Stopped') {
      return wait(
        'VMPhaseUnsupported',
        `domain "${vm.domain}" is ${live.phase}; a revert starts from Running, Paused or Stopped`,
      );
    }
    if (snapshot?.memory === undefined) throw new Error('decideBeforeHold: snapshot not Ready');
    const planned = planRevert({
      vmPhase: live.phase,
      snapshot: { memory: snapshot.memory, vmPhase: plannedPhase(snapshot.vmPhase) },
      desiredPowerState: world.desiredPowerState,
      allowPowerChange: revert.spec.allowPowerChange,
      startAfterRevert: revert.spec.startAfterRevert,
    });
    if (!planned.ok) {
      return {
        kind: 'Fail',
        reason: planned.reason,
        message: `${planned.message}; the VM was not touched`,
        releaseHold: false,
      };
    }
    const heldBy = otherHolder(vm.hold, vm.name);
    if (heldBy) return heldBy;
    const plan: RecordedPlan = {
      vmName: vm.name,
      fromPhase: live.phase,
      toPhase: planned.plan.toPhase,
      steps: planned.plan.steps,
    };
    if (!sameRecordedPlan(revert, plan)) return { kind: 'Plan', plan };
  } else {
    const heldBy = otherHolder(vm.hold, vm.name);
    if (heldBy) return heldBy;
  }
  if (!revert.hasFinalizer) return { kind: 'AddFinalizer' };
  return { kind: 'TakeHold' };
}

function otherHolder(hold: HoldView | undefined, vmName: string): RevertDecision | undefined {
  if (hold === undefined) return undefined;
  return wait(
    'WaitingForHold',
    `VirtualMachine "${vmName}" is held by ${hold.holder.kind} "${hold.holder.name}" (${hold.operation}) since ${hold.since}`,
  );
}

function sameRecordedPlan(revert: RevertView, plan: RecordedPlan): boolean {
  const { status } = revert;
  return (
    status.phase !== undefined &&
    status.vmName === plan.vmName &&
    status.fromPhase === plan.fromPhase &&
    status.toPhase === plan.toPhase &&
    status.steps.length === plan.steps.length &&
    status.steps.every((step, i) => step === plan.steps[i])
  );
}

function wait(reason: string, message: string): RevertDecision {
  return { kind: 'Wait', reason, message, requeueAfterMs: WAIT_REQUEUE_MS };
}

/** A VM phase as the plan speaks of it; a snapshot's vmPhase is Running or Paused when it holds memory. */
function plannedPhase(phase: VmPhase | undefined): PlannedPhase {
  return phase === 'Paused' || phase === 'Stopped' ? phase : 'Running';
}

export function isHeldByRevert(hold: HoldView | undefined, revert: Pick<RevertView, 'uid'>): boolean {
  return hold !== undefined && hold.holder.kind === 'VMRevert' && hold.holder.uid === revert.uid;
}
