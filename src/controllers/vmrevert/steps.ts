import { Reason } from '../../api/conditions.ts';
import type { RevertStep } from '../../api/vm-revert.ts';
import {
  type DomainInfo,
  type HypervisorDriver,
  isDriverError,
  type RevertFinalState,
} from '../../drivers/port.ts';
import type { ReconcileContext, ReconcileResult } from '../../runtime/controller.ts';
import { addFinalizer, removeFinalizer } from '../../runtime/finalizers.ts';
import { type ControllerDeps, secondsSince } from '../shared/deps.ts';
import type { OperationSlots } from '../shared/operation-slots.ts';
import { type ApiObject, VM_REVERTS } from '../shared/resources.ts';
import { applyHold, copyVmStatus, writeVmStatusGuarded } from '../shared/vm-status.ts';
import type { HoldView } from '../views.ts';
import { isHeldByRevert, type RecordedPlan, type RevertDecision } from './decide.ts';
import type { LoadedRevert } from './loaded.ts';
import { REVERT_FINALIZER, revertSlotKey } from './names.ts';
import {
  copyRevertStatus,
  type RevertStatus,
  rfc3339,
  setRevertState,
  writeRevertStatus,
} from './revert-status.ts';

export interface RevertStepDeps extends ControllerDeps {
  /** Shared with the VMSnapshot controller: Hypervisor spec.maxConcurrentOperations counts both. */
  slots: OperationSlots;
}

const UNTOUCHED_REVERT_FAILURES: ReadonlySet<string> = new Set(['SnapshotNotFound', 'SnapshotInconsistent']);

/** A reconcile that found no free operation slot on the hypervisor looks again this soon. */
export const SLOT_RETRY_MS = 1_000;
/** Someone wrote the VM between our read and our guarded write: decide again on fresh state. */
export const CONFLICT_RETRY_MS = 100;

/**
 * Carries out the one step decideRevertStep chose (see its doc comment for the flow and crash points). Each method
 * is idempotent: re-running it after a crash anywhere inside it converges to the same end state.
 */
export class RevertSteps {
  readonly #deps: RevertStepDeps;
  readonly #ctx: ReconcileContext;
  readonly #loaded: LoadedRevert;
  /** The revert as last read or written in this reconcile: what the next status write diffs against. */
  #current: ApiObject;
  /** The status as this reconcile has made it so far. */
  readonly #status: RevertStatus;
  /** The VM as this reconcile's guarded status write returned it (TakeHold, Finish, ReleaseHold). */
  #vmWritten: ApiObject | undefined;

  constructor(deps: RevertStepDeps, ctx: ReconcileContext, loaded: LoadedRevert) {
    this.#deps = deps;
    this.#ctx = ctx;
    this.#loaded = loaded;
    this.#current = loaded.raw;
    this.#status = copyRevertStatus(loaded.revert);
  }

  /** The revert as last read or written: what a next step in the same reconcile starts from. */
  get current(): ApiObject {
    return this.#current;
  }

  /** The VM as this reconcile wrote it, if it did. */
  get vmWritten(): ApiObject | undefined {
    return this.#vmWritten;
  }

  run(decision: RevertDecision): Promise<ReconcileResult> {
    switch (decision.kind) {
      case 'Done':
        return Promise.resolve({});
      case 'Wait':
        return this.wait(decision.reason, decision.message, decision.requeueAfterMs);
      case 'Fail':
        return this.fail(decision.reason, decision.message, decision.releaseHold);
      case 'Plan':
        return this.plan(decision.plan);
      case 'AddFinalizer':
        return this.addFinalizer();
      case 'TakeHold':
        return this.takeHold();
      case 'RunStep':
        return this.runStep(decision.step, decision.finalState);
      case 'Finish':
        return this.finish();
      case 'Succeed':
        return this.succeed();
      case 'ReleaseHold':
        return this.releaseHold();
      case 'RemoveFinalizer':
        return this.removeFinalizer();
      case 'Cleanup':
        return this.cleanup(decision.releaseHold);
    }
  }

  async wait(reason: string, message: string, requeueAfterMs: number): Promise<ReconcileResult> {
    const status = this.#status;
    // A revert that took the hold stays Reverting while it waits (for a slot, the hypervisor): the VM is mid-way.
    if (status.phase !== 'Reverting') status.phase = 'Pending';
    setRevertState(status, 'InProgress', reason, message, this.#now());
    await this.#writeStatus();
    return { requeueAfterMs };
  }

  /** Records the plan (recomputed until the hold is taken, so it matches the VM the steps will find). */
  async plan(plan: RecordedPlan): Promise<ReconcileResult> {
    const status = this.#status;
    status.phase = 'Pending';
    status.vmName = plan.vmName;
    status.fromPhase = plan.fromPhase;
    status.toPhase = plan.toPhase;
    status.steps = plan.steps;
    status.completedSteps = [];
    status.startTime ??= rfc3339(this.#now());
    const message = `planned ${plan.steps.join(', ')} for VirtualMachine "${plan.vmName}" (${plan.fromPhase} -> ${plan.toPhase}); taking the VM's hold`;
    setRevertState(status, 'InProgress', Reason.Pending, message, this.#now());
    await this.#writeStatus();
    return {};
  }

  /** Added before the hold is taken: from then on, deletion waits for the hold to be released by this controller. */
  async addFinalizer(): Promise<ReconcileResult> {
    this.#current = await addFinalizer(this.#deps.client, VM_REVERTS, this.#current, REVERT_FINALIZER);
    return {};
  }

  /** Takes the VM's hold (guarded by its resourceVersion: of a revert and a snapshot racing, exactly one wins). */
  async takeHold(): Promise<ReconcileResult> {
    const { vm, vmRaw, revert } = this.#loaded;
    if (!vm || !vmRaw) throw new Error('TakeHold needs the VM');
    const hold: HoldView = {
      operation: 'RevertTo',
      holder: { kind: 'VMRevert', name: revert.identity.name, uid: revert.identity.uid },
      since: rfc3339(this.#now()),
    };
    const vmStatus = copyVmStatus(vm);
    applyHold(vmStatus, hold, vm.identity.generation, this.#now());
    this.#vmWritten = await writeVmStatusGuarded(this.#deps.statusWriter, vmRaw, vmStatus);
    if (!this.#vmWritten) return { requeueAfterMs: CONFLICT_RETRY_MS };
    this.#ctx.log.info({ vm: vm.identity.name }, 'took the VM hold');

    const status = this.#status;
    status.phase = 'Reverting';
    const note = `reverting VirtualMachine "${vm.identity.name}" to VMSnapshot "${revert.spec.snapshotName}": ${(status.steps ?? []).join(', ')} (${status.fromPhase} -> ${status.toPhase})`;
    setRevertState(status, 'InProgress', Reason.RevertInProgress, note, this.#now());
    await this.#writeStatus();
    await this.#event('Normal', 'RevertToStarted', note);
    return {};
  }

  /**
   * Runs one step of the plan within the hypervisor's operation slots and records it in completedSteps once the
   * driver returned. A crash between the call and the record re-runs the step: StopVM and StartVM are idempotent,
   * and a repeated RevertTo repeats the revert (the port's contract).
   */
  async runStep(step: RevertStep, finalState: RevertFinalState): Promise<ReconcileResult> {
    const { vm, hypervisor, driver, revert, key } = this.#loaded;
    if (!vm || !hypervisor || !driver) throw new Error(`${step} needs the VM, its Hypervisor and a driver`);
    const hvName = hypervisor.identity.name;
    const limit = hypervisor.spec.maxConcurrentOperations;
    const slotKey = revertSlotKey(key);
    if (!this.#deps.slots.tryAcquire(hvName, slotKey, limit)) {
      const message = `Hypervisor "${hvName}" is running ${limit} operations (spec.maxConcurrentOperations); waiting for a free slot`;
      return this.wait(Reason.WaitingForSlot, message, SLOT_RETRY_MS);
    }
    try {
      const status = this.#status;
      const steps = status.steps ?? [];
      const done = status.completedSteps ?? [];
      status.phase = 'Reverting';
      setRevertState(
        status,
        'InProgress',
        Reason.RevertInProgress,
        `step ${done.length + 1}/${steps.length}: ${step} on domain "${vm.spec.domain}" (Hypervisor "${hvName}")`,
        this.#now(),
      );
      await this.#writeStatus();

      const domain = vm.spec.domain;
      let after: DomainInfo;
      try {
        // Within a slot: the Hypervisor bounds these calls, so the reconcile lends its worker while they run.
        after = await this.#ctx.awaitExternal(this.#runDriverStep(driver, step, domain, finalState));
      } catch (error) {
        if (isDriverError(error) && !error.retryable) {
          // revertTo checks the snapshot before touching the VM (port contract); other failures may have.
          const checkedFirst = step !== 'RevertTo' || UNTOUCHED_REVERT_FAILURES.has(error.reason);
          const left = done.length === 0 && checkedFirst ? '; the VM was not touched' : '';
          return this.fail(error.reason, `${step} failed: ${error.message}${left}`, true);
        }
        throw error;
      }
      this.#ctx.log.info({ step, phase: after.phase, revert: revert.identity.name }, 'revert step done');
      status.completedSteps = [...done, step];
      await this.#writeStatus();
      return {};
    } finally {
      this.#deps.slots.release(hvName, slotKey);
    }
  }

  /** The driver call of one plan step; what the domain looks like after it. */
  #runDriverStep(
    driver: HypervisorDriver,
    step: RevertStep,
    domain: string,
    finalState: RevertFinalState,
  ): Promise<DomainInfo> {
    switch (step) {
      case 'StopVM':
        // Forced: the disk is about to be rolled back to the snapshot's, so a graceful shutdown saves nothing.
        return driver.stop(domain, { force: true });
      case 'RevertTo': {
        const name = this.#loaded.snapshot?.status.snapshotName;
        if (!name) throw new Error('RevertTo needs the snapshot name on the hypervisor');
        return driver.revertTo(domain, name, { finalState });
      }
      case 'StartVM':
        return driver.start(domain);
      case 'PauseVM':
        return driver.pause(domain);
      case 'ResumeVM':
        return driver.resume(domain);
    }
  }

  /** Moves the VM's currentSnapshot to the reverted-to snapshot and releases the hold, in one guarded write. */
  async finish(): Promise<ReconcileResult> {
    const { vm, vmRaw, revert } = this.#loaded;
    if (!vm || !vmRaw) throw new Error('Finish needs the VM');
    const vmStatus = copyVmStatus(vm);
    vmStatus.currentSnapshot = revert.spec.snapshotName;
    applyHold(vmStatus, undefined, vm.identity.generation, this.#now());
    this.#vmWritten = await writeVmStatusGuarded(this.#deps.statusWriter, vmRaw, vmStatus);
    if (!this.#vmWritten) {
      return { requeueAfterMs: CONFLICT_RETRY_MS };
    }
    this.#ctx.log.info({ vm: vm.identity.name }, 'revert finished; released the VM hold');
    return {};
  }

  async succeed(): Promise<ReconcileResult> {
    const { revert } = this.#loaded;
    const status = this.#status;
    status.phase = 'Succeeded';
    status.completionTime = rfc3339(this.#now());
    delete status.error;
    const message = `reverted VirtualMachine "${status.vmName}" to VMSnapshot "${revert.spec.snapshotName}" (${(status.steps ?? []).join(', ')}): ${status.fromPhase} -> ${status.toPhase}`;
    setRevertState(status, 'Ready', Reason.RevertSucceeded, message, this.#now());
    await this.#writeStatus();
    await this.#event('Normal', 'RevertToSucceeded', message);
    const { hypervisor, snapshot } = this.#loaded;
    if (hypervisor) {
      this.#deps.metrics?.revertCompleted({
        driver: hypervisor.spec.driver,
        memory: snapshot?.status.memory ?? false,
        seconds: secondsSince(status.startTime, this.#now()),
      });
    }
    return {};
  }

  /**
   * Records the failure (phase Failed, Stalled=True: retrying cannot help), then lets go of the VM. A crash between
   * the two leaves a Failed revert holding its VM, which the next reconcile's ReleaseHold step finishes.
   */
  async fail(reason: string, message: string, releaseHold: boolean): Promise<ReconcileResult> {
    const status = this.#status;
    status.phase = 'Failed';
    status.completionTime = rfc3339(this.#now());
    status.error = { message, time: rfc3339(this.#now()) };
    setRevertState(status, 'Stalled', reason, message, this.#now());
    await this.#writeStatus();
    await this.#event('Warning', 'RevertToFailed', `${reason}: ${message}`);
    return releaseHold ? this.releaseHold() : {};
  }

  async releaseHold(): Promise<ReconcileResult> {
    const { vm, vmRaw, revert } = this.#loaded;
    if (!vm || !vmRaw || !isHeldByRevert(vm.status.hold, revert.identity)) return {};
    const vmStatus = copyVmStatus(vm);
    applyHold(vmStatus, undefined, vm.identity.generation, this.#now());
    this.#vmWritten = await writeVmStatusGuarded(this.#deps.statusWriter, vmRaw, vmStatus);
    if (!this.#vmWritten) {
      return { requeueAfterMs: CONFLICT_RETRY_MS };
    }
    this.#ctx.log.info({ vm: vm.identity.name }, 'released the VM hold');
    return {};
  }

  async removeFinalizer(): Promise<ReconcileResult> {
    this.#current = await removeFinalizer(this.#deps.client, VM_REVERTS, this.#current, REVERT_FINALIZER);
    return {};
  }

  /**
   * A VMRevert deleted mid-way: the steps done stay done (nothing is rolled back), the hold is released and the VM
   * told so in an event, and the finalizer goes. Never waits on the hypervisor, so deletion never needs a human.
   */
  async cleanup(releaseHold: boolean): Promise<ReconcileResult> {
    const { vm, vmRaw, revert } = this.#loaded;
    if (releaseHold) {
      const released = await this.releaseHold();
      if (released.requeueAfterMs) return released;
      const status = revert.status;
      const done = status.completedSteps ?? [];
      const note = `VMRevert "${revert.identity.name}" was deleted after ${done.length}/${status.steps?.length ?? 0} steps (${done.join(', ') || 'none'}); the hold is released and the VM left as those steps made it`;
      if (vm && vmRaw) await this.#deps.events.warning(vmRaw, 'RevertToCancelled', 'RevertTo', note);
    }
    return this.removeFinalizer();
  }

  /** An event on the VMRevert and, when it exists, on its VirtualMachine. */
  async #event(type: 'Normal' | 'Warning', reason: string, note: string): Promise<void> {
    const { vmRaw } = this.#loaded;
    const record = { type, reason, action: 'RevertTo', note } as const;
    await Promise.all([
      this.#deps.events.record(this.#current, record),
      vmRaw ? this.#deps.events.record(vmRaw, record) : undefined,
    ]);
  }

  async #writeStatus(): Promise<void> {
    this.#current = await writeRevertStatus(this.#deps.statusWriter, this.#current, this.#status);
  }

  #now(): Date {
    return this.#deps.now();
  }
}
