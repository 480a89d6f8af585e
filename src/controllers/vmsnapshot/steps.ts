import { Reason } from '../../api/conditions.ts';
import { isDriverError, type SnapshotInfo } from '../../drivers/port.ts';
import type { ReadyState } from '../../runtime/conditions.ts';
import type { ReconcileContext, ReconcileResult } from '../../runtime/controller.ts';
import { addFinalizer, removeFinalizer } from '../../runtime/finalizers.ts';
import { objectKey } from '../../runtime/object-key.ts';
import { type ControllerDeps, secondsSince } from '../shared/deps.ts';
import type { OperationSlots } from '../shared/operation-slots.ts';
import { type ApiObject, SNAPSHOT_FINALIZER, VM_SNAPSHOTS } from '../shared/resources.ts';
import { applyHold, copyVmStatus, writeVmStatusGuarded } from '../shared/vm-status.ts';
import { deadlineExceededMessage, isHeldBy, type SnapshotStep, WAIT_REQUEUE_MS } from './decide.ts';
import { oldestWaitingForHold } from './hold-queue.ts';
import type { LoadedSnapshot } from './loaded.ts';
import { currentAfterDeletion, listSnapshotsOfVm, planReparent, reattachChildren } from './reparent.ts';
import {
  copySnapshotStatus,
  rfc3339,
  type SnapshotStatus,
  setReadyState,
  writeSnapshotStatus,
} from './snapshot-status.ts';
import { type DeadlineRace, withinDeadline } from './within-deadline.ts';

export interface SnapshotStepDeps extends ControllerDeps {
  slots: OperationSlots;
  /**
   * Queues a VMSnapshot key now (the controller's enqueue). With it, a snapshot that found every operation slot
   * of its hypervisor taken is woken when one frees, instead of only at its next poll (SLOT_RETRY_MS).
   */
  wake?: (key: string) => void;
}

/** A reconcile that found no free operation slot on the hypervisor looks again this soon. */
export const SLOT_RETRY_MS = 1_000;
/** Someone wrote the VM between our read and our guarded write: decide again on fresh state. */
export const CONFLICT_RETRY_MS = 100;

/** The hypervisor snapshot's name: derived from the object's uid, so a retry after a crash finds the same one. */
export function hypervisorSnapshotName(uid: string): string {
  return `vs-${uid}`;
}

/** What the reconciler tells a step about the steps it already carried out in this reconcile. */
export interface ChainState {
  /** This reconcile took the VM's hold (TakeHold) just before: no Create attempt can have run under it yet. */
  tookHold: boolean;
}

/** The snapshot and VM as the last step's writes left them, and what that step did (see `continuation`). */
export interface Continuation extends ChainState {
  raw: ApiObject;
  vmRaw: ApiObject | undefined;
}

/**
 * Carries out the one step decideSnapshotStep chose (see its doc comment for the flow and crash points). Each
 * method is idempotent: re-running it after a crash anywhere inside it converges to the same end state.
 */
export class SnapshotSteps {
  readonly #deps: SnapshotStepDeps;
  readonly #ctx: ReconcileContext;
  readonly #loaded: LoadedSnapshot;
  /** The snapshot as last read or written in this reconcile: what the next status write diffs against. */
  #current: ApiObject;
  /** The status as this reconcile means it to be; every step changes it from where the previous write left it. */
  readonly #status: SnapshotStatus;
  /** Set by a step after which the reconcile may decide again at once (see `continuation`). */
  #continuation: Continuation | undefined;
  readonly #chain: ChainState;
  /** Whether a step of this object wrote (or tried to write) the VM; see `wroteVm`. */
  #wroteVm = false;

  constructor(
    deps: SnapshotStepDeps,
    ctx: ReconcileContext,
    loaded: LoadedSnapshot,
    chain: ChainState = { tookHold: false },
  ) {
    this.#deps = deps;
    this.#ctx = ctx;
    this.#loaded = loaded;
    this.#current = loaded.raw;
    this.#status = copySnapshotStatus(loaded.snapshot);
    this.#chain = chain;
  }

  /**
   * The snapshot and VM as the last step's writes left them, when that step (AddFinalizer, a successful TakeHold)
   * only prepared the next one: the reconciler decides again from these instead of ending the reconcile and
   * waiting for the watch event of its own write. undefined after any other step. Safe for the same reason a
   * fresh reconcile is: the objects are the server's answers to our writes, so no newer state of ours exists.
   */
  get continuation(): Continuation | undefined {
    return this.#continuation;
  }

  /** Whether this step wrote the VM (or tried to: a guarded write that lost counts), see loaded.ts `readVm`. */
  get wroteVm(): boolean {
    return this.#wroteVm;
  }

  /** The snapshot as this reconcile last read or wrote it. */
  get current(): ApiObject {
    return this.#current;
  }

  run(step: SnapshotStep): Promise<ReconcileResult> {
    switch (step.kind) {
      case 'AddFinalizer':
        return this.addFinalizer();
      case 'Wait':
        return this.wait(step.reason, step.message, step.stalled, step.requeueAfterMs);
      case 'TakeHold':
        return this.takeHold();
      case 'Create':
        return this.create();
      case 'Finish':
        return this.finish();
      case 'ReleaseHold':
        return this.releaseHold();
      case 'Fail':
        return this.fail(step.reason, step.message, step.releaseHold);
      case 'Cleanup':
        return this.cleanup(step.deleteOnHypervisor, step.releaseHold);
      case 'Done':
        return Promise.resolve({});
    }
  }

  /**
   * Adds the finalizer before anything exists on the hypervisor. The first status (Pending) is not written here:
   * the reconciler goes on at once, and every step that can follow writes a status of its own except a TakeHold
   * that ends the reconcile, after which the reconciler calls `writeFirstStatus`. On a new snapshot that takes
   * the hold at once this saves one write on the way to the driver call.
   */
  async addFinalizer(): Promise<ReconcileResult> {
    this.#current = await addFinalizer(this.#deps.client, VM_SNAPSHOTS, this.#current, SNAPSHOT_FINALIZER);
    this.#continuation = { raw: this.#current, vmRaw: this.#loaded.vmRaw, tookHold: false };
    return {};
  }

  /** Says that work is pending, on a snapshot no step has given a status yet (see `addFinalizer`). */
  async writeFirstStatus(): Promise<void> {
    const status = this.#status;
    if (status.phase !== undefined || this.#loaded.snapshot.identity.deleting) return;
    status.phase = 'Pending';
    if (status.conditions.length === 0) {
      this.#setReadyState('InProgress', Reason.Pending, 'waiting to start');
    }
    await this.#writeStatus();
  }

  async wait(
    reason: string,
    message: string,
    stalled: boolean,
    requeueAfterMs: number,
  ): Promise<ReconcileResult> {
    const status = this.#status;
    if (status.phase !== 'InProgress') status.phase = 'Pending';
    this.#setReadyState(stalled ? 'Stalled' : 'InProgress', reason, message);
    await this.#writeStatus();
    return { requeueAfterMs: stalled ? requeueAfterMs : Math.min(requeueAfterMs, this.#untilDeadlineMs()) };
  }

  /** Takes the VM's hold (guarded by its resourceVersion: of two racing snapshots exactly one wins). */
  async takeHold(): Promise<ReconcileResult> {
    const { vm, vmRaw, snapshot } = this.#loaded;
    if (!vm || !vmRaw) throw new Error('TakeHold needs the VM');
    const status = copyVmStatus(vm);
    const hold = {
      operation: 'Snapshot' as const,
      holder: { kind: 'VMSnapshot' as const, name: snapshot.identity.name, uid: snapshot.identity.uid },
      since: rfc3339(this.#now()),
    };
    applyHold(status, hold, vm.identity.generation, this.#now());
    const written = await this.#writeVm(vmRaw, status);
    if (!written) return { requeueAfterMs: CONFLICT_RETRY_MS };
    this.#ctx.log.info({ vm: vm.identity.name }, 'took the VM hold');
    this.#continuation = { raw: this.#current, vmRaw: written, tookHold: true };
    return {};
  }

  /**
   * Takes the snapshot on the hypervisor, within the hypervisor's operation slots.
   *
   * Crash contract: the VM's hold is the durable marker of an attempt, not the InProgress status. The hold names
   * this snapshot's uid and is written (guarded) before any driver call; the hypervisor name is derived from the
   * uid; and the hold is let go only after a terminal status (Ready, Failed) or by the deletion's cleanup. So:
   * - a snapshot that holds its VM may have been tried: after a crash the next attempt passes mayExist, and the
   *   driver finds (adopts) what an earlier one left; only an attempt right after this reconcile took the hold
   *   knows nothing can exist (mayExist false, the driver skips its look-ups);
   * - deleting a snapshot that holds its VM deletes `vs-<uid>` (owner-checked) even when no status names it, and
   *   a snapshot that fails while holding its VM records the name (see `fail`).
   * Therefore the InProgress status (name, parent, condition) is written while the driver works, not before,
   * and is awaited before the Ready, Failed or retry status that follows it, which it must never overwrite.
   *
   * failureDeadline (see decide.ts): the clock starts when the operation gets its slot and calls the driver, and
   * is stored as status.startTime with the InProgress status. A retry keeps the stored time; a crash before it
   * was stored starts the clock again at the next attempt (a longer deadline, never a shorter one). Waiting for
   * the slot does not count, and writes its WaitingForSlot status once, not at every poll. A driver call that is
   * still running at the deadline is not waited for any longer: the snapshot is Failed, which releases the hold,
   * and the slot is released. The call itself cannot be cancelled; if it still completes on the hypervisor, the
   * Failed status names that snapshot (see `fail`), so deleting the VMSnapshot deletes it.
   */
  async create(): Promise<ReconcileResult> {
    const { snapshot, vm, hypervisor, key } = this.#loaded;
    if (!vm || !hypervisor) throw new Error('Create needs the VM and its Hypervisor');
    const hvName = hypervisor.identity.name;
    const { wake } = this.#deps;
    const onFree = wake && (() => wake(key));
    if (!this.#deps.slots.tryAcquire(hvName, key, hypervisor.spec.maxConcurrentOperations, onFree)) {
      await this.#waitForSlot(hvName, hypervisor.spec.maxConcurrentOperations);
      return { requeueAfterMs: SLOT_RETRY_MS };
    }
    try {
      const name = hypervisorSnapshotName(snapshot.identity.uid);
      // See the crash contract above: only a hold taken by this very reconcile rules out an earlier attempt.
      const mayExist = !this.#chain.tookHold;
      const startedAt = this.#startDeadlineClock();
      // Settled, never rejected: if the write fails while the driver works there is no handler yet, and an
      // unhandled rejection would end the process. Its failure is reported once the driver call is back.
      const inProgress = settle(
        this.#markInProgress(name, vm.status.currentSnapshot ?? '', vm.spec.domain, hvName),
      );
      let race: DeadlineRace<SnapshotInfo>;
      try {
        const call = (async () => {
          const driver = await this.#deps.pool.driverFor(hvName, hypervisor.spec);
          return driver.createSnapshot(vm.spec.domain, {
            name,
            owner: {
              uid: snapshot.identity.uid,
              namespace: snapshot.identity.namespace,
              name: snapshot.identity.name,
            },
            description: snapshot.spec.description,
            memory: snapshot.spec.memory,
            quiesce: snapshot.spec.quiesce,
            mayExist,
          });
        })();
        // Within a slot: the Hypervisor bounds these calls, so the reconcile lends its worker while it waits.
        race = await this.#ctx.awaitExternal(withinDeadline(call, this.#msUntilDeadlineFrom(startedAt)));
      } catch (error) {
        await inProgress;
        if (!isDriverError(error)) throw error;
        if (!error.retryable) return this.fail(error.reason, error.message, true);
        // Say why it is taking longer, then throw: the queue retries with backoff, and the hold stays. The same
        // failure again writes nothing (see #markInProgress), so retries cause no watch events.
        this.#setReadyState('InProgress', error.reason, `${error.message}; retrying`);
        await this.#writeStatus();
        throw error;
      }
      const inProgressError = await inProgress;
      if (!race.done) {
        this.#ctx.log.warn(
          { snapshotName: name },
          'driver call still running at the failureDeadline; failing',
        );
        const deadlineMs = snapshot.spec.failureDeadlineMs ?? 0;
        return this.fail(Reason.DeadlineExceeded, deadlineExceededMessage(deadlineMs, startedAt), true);
      }
      const info = race.value;
      // The Ready write carries everything InProgress would have (a merge patch of the whole difference).
      if (inProgressError) this.#ctx.log.warn({ err: inProgressError }, 'InProgress status write failed');
      await this.#markReady(info, vm.identity.name);
      // Counted from the hold, not the driver call: the time the VM was held is what users wait for.
      this.#deps.metrics?.snapshotTaken({
        driver: hypervisor.spec.driver,
        memory: info.memory,
        seconds: secondsSince(vm.status.hold?.since, this.#now()),
      });
      return {};
    } finally {
      this.#deps.slots.release(hvName, key);
    }
  }

  /**
   * Says the snapshot is queued for one of the hypervisor's operation slots: normal waiting, never Stalled. Written
   * once per wait: the position is where it joined the queue, since rewriting it as the queue moves would cost
   * a status write per queued snapshot per freed slot (quadratic in a run over many VMs of one host).
   */
  async #waitForSlot(hvName: string, limit: number): Promise<void> {
    const ready = this.#status.conditions.find((c) => c.type === 'Ready');
    if (ready?.reason === Reason.WaitingForSlot) return;
    const position = this.#deps.slots.queuePosition(hvName, this.#loaded.key);
    const place = position === undefined ? '' : `; number ${position} in the queue when it joined`;
    const message = `queued: Hypervisor "${hvName}" is running ${limit} operations (spec.maxConcurrentOperations), waiting for a free slot${place}; failureDeadline counts from when its operation starts`;
    await this.wait(Reason.WaitingForSlot, message, false, SLOT_RETRY_MS);
  }

  /**
   * Starts the failureDeadline clock of this operation (status.startTime, stored by #markInProgress), or keeps the
   * one an earlier attempt stored. Returns the time the deadline counts from: the stored time when there is
   * one (after a restart, the only one known), else this moment to the millisecond.
   */
  #startDeadlineClock(): Date {
    const stored = this.#status.startTime;
    if (stored) return new Date(stored);
    const now = this.#now();
    this.#status.startTime = rfc3339(now);
    return now;
  }

  /**
   * Records the hypervisor name and the parent while the driver call runs (see `create`). A retry changes
   * nothing: it keeps the parent recorded by the first attempt (the hold kept currentSnapshot from moving since)
   * and the condition that says why the last attempt failed, so retrying writes no status and wakes no watch.
   * Only a wait for a slot in between is replaced, as it no longer says what is going on.
   */
  async #markInProgress(
    name: string,
    vmCurrentSnapshot: string,
    domain: string,
    hvName: string,
  ): Promise<void> {
    const status = this.#status;
    const first = status.phase !== 'InProgress';
    if (first) status.parent = vmCurrentSnapshot;
    const ready = status.conditions.find((c) => c.type === 'Ready');
    if (first || ready?.reason === Reason.WaitingForSlot) {
      this.#setReadyState(
        'InProgress',
        Reason.SnapshotInProgress,
        `taking snapshot "${name}" of domain "${domain}" on Hypervisor "${hvName}"`,
      );
    }
    status.phase = 'InProgress';
    status.snapshotName = name;
    status.readyToUse = false;
    await this.#writeStatus();
  }

  async #markReady(info: SnapshotInfo, vmName: string): Promise<void> {
    const status = this.#status;
    status.phase = 'Ready';
    status.readyToUse = true;
    status.snapshotName = info.name;
    status.memory = info.memory;
    status.vmPhase = info.vmPhase;
    status.creationTime = info.creationTime;
    delete status.error;
    const message = `snapshot "${info.name}" of VirtualMachine "${vmName}" is ready (${info.memory ? 'with memory' : 'disk only'}, VM ${info.vmPhase})`;
    this.#setReadyState('Ready', Reason.SnapshotReady, message);
    await this.#writeStatus();
    // Not awaited: events are best effort (the recorder never throws), and waiting for this one kept the
    // hypervisor's operation slot and a worker busy for a request nobody waits on.
    void this.#deps.events.normal(this.#current, 'SnapshotCreated', 'CreateSnapshot', message);
  }

  /** Moves the VM's currentSnapshot to this snapshot and releases the hold, in one guarded write. */
  async finish(): Promise<ReconcileResult> {
    const { vm, vmRaw, snapshot } = this.#loaded;
    if (!vm || !vmRaw) throw new Error('Finish needs the VM');
    const status = copyVmStatus(vm);
    status.currentSnapshot = snapshot.identity.name;
    applyHold(status, undefined, vm.identity.generation, this.#now());
    if (!(await this.#writeVm(vmRaw, status))) {
      return { requeueAfterMs: CONFLICT_RETRY_MS };
    }
    this.#ctx.log.info({ vm: vm.identity.name }, 'snapshot finished; released the VM hold');
    return {};
  }

  async releaseHold(): Promise<ReconcileResult> {
    const { vm, vmRaw, snapshot } = this.#loaded;
    if (!vm || !vmRaw || !isHeldBy(vm.status.hold, snapshot.identity)) return {};
    const status = copyVmStatus(vm);
    applyHold(status, undefined, vm.identity.generation, this.#now());
    if (!(await this.#writeVm(vmRaw, status))) {
      return { requeueAfterMs: CONFLICT_RETRY_MS };
    }
    this.#ctx.log.info({ vm: vm.identity.name }, 'released the VM hold');
    return {};
  }

  /**
   * Records the failure (phase Failed, Stalled=True: retrying cannot help), then lets go of the VM. A crash between
   * the two leaves a Failed snapshot holding its VM, which the next reconcile's ReleaseHold step finishes.
   * A snapshot that held its VM may have an attempt on the hypervisor (see `create`), so the Failed status names
   * the hypervisor snapshot: once the hold is gone, that name is how deletion finds it.
   */
  async fail(reason: string, message: string, releaseHold: boolean): Promise<ReconcileResult> {
    const status = this.#status;
    if (releaseHold) status.snapshotName ??= hypervisorSnapshotName(this.#loaded.snapshot.identity.uid);
    status.phase = 'Failed';
    status.readyToUse = false;
    status.error = { message, time: rfc3339(this.#now()) };
    this.#setReadyState('Stalled', reason, message);
    await this.#writeStatus();
    await this.#deps.events.warning(
      this.#current,
      'SnapshotFailed',
      'CreateSnapshot',
      `${reason}: ${message}`,
    );
    if (releaseHold) return this.releaseHold();
    // Failed on a precondition of its own without holding the VM: it may have been the one woken to take the
    // free hold (see hold-queue.ts), so the next snapshot in line is woken in its place.
    this.#wakeNextForHold();
    return {};
  }

  #wakeNextForHold(): void {
    const { snapshot, vm } = this.#loaded;
    if (!this.#deps.wake || !vm || vm.status.hold) return;
    const { namespace, name } = snapshot.identity;
    const next = oldestWaitingForHold(this.#deps.snapshots, namespace, snapshot.spec.vmName, name);
    if (next) this.#deps.wake(objectKey(next));
  }

  /**
   * Undoes the snapshot for a deleted VMSnapshot, re-attaches its children, then removes the finalizer.
   *
   * While its VM exists, cleanup works under the VM's hold like any operation on the VM: it waits until no other
   * operation holds the VM, takes the hold, and lets go at the end. Deleting the hypervisor snapshot (policy
   * Delete) needs that because the driver expects callers to serialise calls on one domain (and it runs within
   * the hypervisor's operation slots). Re-attaching needs it even under Retain: a snapshot being taken records
   * the VM's currentSnapshot as its parent while it holds the VM, so once we hold it no new child of ours can
   * appear behind the list we re-point.
   *
   * Steps, each reconcile moving as far as it can: take hold -> delete on the hypervisor -> re-point the children
   * (status.parent := our own parent, as libvirt and vSphere re-attach a deleted snapshot's children) -> release
   * the hold, moving the VM's currentSnapshot to our parent if it named us (one guarded write) -> remove the
   * finalizer. Crash points: every step is idempotent and the finalizer stays until the last one, so a crash
   * anywhere re-runs into the same path: deleting an already deleted snapshot is a success, a child already
   * re-pointed no longer names us, and a currentSnapshot already moved no longer names us.
   *
   * A VM or Hypervisor that no longer exists cannot be cleaned up; that is reported in an event instead of
   * blocking the deletion forever (a finalizer that never lets go needs a human, which vmsnap promises never to
   * need). The children are re-pointed even then.
   */
  async cleanup(deleteOnHypervisor: boolean, releaseHold: boolean): Promise<ReconcileResult> {
    const { snapshot, vm, hypervisor, key } = this.#loaded;
    const status = this.#status;
    if (status.phase !== 'Deleting') {
      // Cleanup takes the hold only after this write, so a hold held now is Create's: an attempt may exist under
      // the derived name even if no status named it yet (see create). Recorded here so a crash keeps it.
      if (vm && isHeldBy(vm.status.hold, snapshot.identity)) {
        status.snapshotName ??= hypervisorSnapshotName(snapshot.identity.uid);
      }
      status.phase = 'Deleting';
      this.#setReadyState('InProgress', Reason.Deleting, 'the VMSnapshot is being deleted');
      await this.#writeStatus();
    }
    if (vm) {
      const hold = vm.status.hold;
      if (hold && !isHeldBy(hold, snapshot.identity)) {
        const message = `deleting: waiting for ${hold.holder.kind} "${hold.holder.name}" (${hold.operation}) to release VirtualMachine "${vm.identity.name}"`;
        this.#setReadyState('InProgress', 'WaitingForHold', message);
        await this.#writeStatus();
        return { requeueAfterMs: WAIT_REQUEUE_MS };
      }
      if (!hold) return this.takeHold();
    }
    const snapshotName = status.snapshotName ?? '';
    if (deleteOnHypervisor && vm && hypervisor) {
      const hvName = hypervisor.identity.name;
      if (!this.#deps.slots.tryAcquire(hvName, key, hypervisor.spec.maxConcurrentOperations)) {
        return { requeueAfterMs: SLOT_RETRY_MS };
      }
      try {
        await this.#deleteOnHypervisor(snapshotName);
      } finally {
        this.#deps.slots.release(hvName, key);
      }
    } else if (deleteOnHypervisor) {
      const missing = vm
        ? `Hypervisor "${vm.spec.hypervisorName}"`
        : `VirtualMachine "${snapshot.spec.vmName}"`;
      await this.#deps.events.warning(
        this.#current,
        'SnapshotNotDeleted',
        'DeleteSnapshot',
        `${missing} no longer exists, so hypervisor snapshot "${snapshotName}" could not be deleted; remove it by hand if it still exists`,
      );
    } else if (snapshotName) {
      await this.#deps.events.normal(
        this.#current,
        'SnapshotRetained',
        'DeleteSnapshot',
        `deletionPolicy Retain: hypervisor snapshot "${snapshotName}" is kept`,
      );
    }
    const newParent = await this.#reattachChildren();
    if (releaseHold || vm) {
      const released = await this.#releaseHoldMovingCurrent(newParent);
      if (released.requeueAfterMs) return released;
    }
    // Kept as #current like every write: the reconciler trusts its cache only up to the last version we wrote.
    this.#current = await removeFinalizer(this.#deps.client, VM_SNAPSHOTS, this.#current, SNAPSHOT_FINALIZER);
    return {};
  }

  /** Points this snapshot's children at its parent (see cleanup); returns that parent ("" for none). */
  async #reattachChildren(): Promise<string> {
    const { identity, spec } = this.#loaded.snapshot;
    const deleted = {
      namespace: identity.namespace,
      name: identity.name,
      uid: identity.uid,
      vmName: spec.vmName,
    };
    const ofVm = await listSnapshotsOfVm(this.#deps.client, deleted.namespace, deleted.vmName);
    const plan = planReparent(deleted, ofVm);
    if (plan.children.length > 0) {
      await reattachChildren(this.#deps.statusWriter, plan.children, plan.newParent);
      this.#ctx.log.info(
        { children: plan.children.map((c) => c.metadata.name), parent: plan.newParent },
        're-attached the children of the deleted snapshot to its parent',
      );
    }
    return plan.newParent;
  }

  /** Releases our hold; in the same guarded write, moves the VM's currentSnapshot off us (see cleanup). */
  async #releaseHoldMovingCurrent(newParent: string): Promise<ReconcileResult> {
    const { vm, vmRaw, snapshot } = this.#loaded;
    if (!vm || !vmRaw || !isHeldBy(vm.status.hold, snapshot.identity)) return {};
    const status = copyVmStatus(vm);
    const current = currentAfterDeletion(status.currentSnapshot, snapshot.identity.name, newParent);
    if (current) status.currentSnapshot = current;
    else delete status.currentSnapshot;
    applyHold(status, undefined, vm.identity.generation, this.#now());
    if (!(await this.#writeVm(vmRaw, status))) {
      return { requeueAfterMs: CONFLICT_RETRY_MS };
    }
    this.#ctx.log.info({ vm: vm.identity.name, currentSnapshot: current }, 'released the VM hold');
    return {};
  }

  async #deleteOnHypervisor(snapshotName: string): Promise<void> {
    const { snapshot, vm, hypervisor } = this.#loaded;
    if (!vm || !hypervisor) return;
    const driver = await this.#deps.pool.driverFor(hypervisor.identity.name, hypervisor.spec);
    let note: string;
    try {
      const deleted = await driver.deleteSnapshot(vm.spec.domain, snapshotName, {
        ownerUid: snapshot.identity.uid,
      });
      note = deleted
        ? `deleted snapshot "${snapshotName}" of domain "${vm.spec.domain}" from Hypervisor "${hypervisor.identity.name}"`
        : `snapshot "${snapshotName}" was already gone from the hypervisor`;
    } catch (error) {
      // Retryable failures (unreachable, busy) keep the finalizer and come back with backoff.
      if (!isDriverError(error) || error.retryable) throw error;
      await this.#deps.events.warning(
        this.#current,
        'SnapshotNotDeleted',
        'DeleteSnapshot',
        `${error.reason}: ${error.message}; the hypervisor snapshot was left in place`,
      );
      return;
    }
    await this.#deps.events.normal(this.#current, 'SnapshotDeleted', 'DeleteSnapshot', note);
  }

  /** A guarded write of the VM's status; remembered in `wroteVm` before it is sent. */
  #writeVm(vmRaw: ApiObject, status: ReturnType<typeof copyVmStatus>): Promise<ApiObject | undefined> {
    this.#wroteVm = true;
    return writeVmStatusGuarded(this.#deps.statusWriter, vmRaw, status);
  }

  async #writeStatus(): Promise<void> {
    this.#current = await writeSnapshotStatus(this.#deps.statusWriter, this.#current, this.#status);
  }

  #setReadyState(state: ReadyState, reason: string, message: string): void {
    setReadyState(
      this.#status,
      state,
      reason,
      message,
      this.#loaded.snapshot.identity.generation,
      this.#now(),
    );
  }

  #now(): Date {
    return this.#deps.now();
  }

  /**
   * How long until the failureDeadline passes (a waiting snapshot looks again then, to report Stalled or Failed on
   * time): counted from status.startTime once the operation started, else from creation (see decide.ts).
   */
  #untilDeadlineMs(): number {
    const since = this.#status.startTime ?? this.#loaded.raw.metadata.creationTimestamp;
    if (!since) return Number.POSITIVE_INFINITY;
    return Math.max(50, this.#msUntilDeadlineFrom(new Date(since)) + 50);
  }

  /** Milliseconds from now until the failureDeadline counted from `since` passes; Infinity without a deadline. */
  #msUntilDeadlineFrom(since: Date): number {
    const deadline = this.#loaded.snapshot.spec.failureDeadlineMs;
    if (!deadline) return Number.POSITIVE_INFINITY;
    return since.getTime() + deadline - this.#now().getTime();
  }
}

/** Resolves to the error `promise` rejected with, or undefined once it fulfilled; never rejects. */
function settle(promise: Promise<unknown>): Promise<Error | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
}
