import { Reason } from '../../api/conditions.ts';
import { isDriverError, type SnapshotInfo } from '../../drivers/port.ts';
import type { ReadyState } from '../../runtime/conditions.ts';
import type { ReconcileContext, ReconcileResult } from '../../runtime/controller.ts';
import { addFinalizer, removeFinalizer } from '../../runtime/finalizers.ts';
import { type ControllerDeps, secondsSince } from '../shared/deps.ts';
import type { OperationSlots } from '../shared/operation-slots.ts';
import { type ApiObject, SNAPSHOT_FINALIZER, VM_SNAPSHOTS } from '../shared/resources.ts';
import { applyHold, copyVmStatus, writeVmStatusGuarded } from '../shared/vm-status.ts';
import { isHeldBy, type SnapshotStep, WAIT_REQUEUE_MS } from './decide.ts';
import type { LoadedSnapshot } from './loaded.ts';
import {
  copySnapshotStatus,
  rfc3339,
  type SnapshotStatus,
  setReadyState,
  writeSnapshotStatus,
} from './snapshot-status.ts';

export interface SnapshotStepDeps extends ControllerDeps {
  slots: OperationSlots;
}

/** A reconcile that found no free operation slot on the hypervisor looks again this soon. */
export const SLOT_RETRY_MS = 1_000;
/** Someone wrote the VM between our read and our guarded write: decide again on fresh state. */
export const CONFLICT_RETRY_MS = 100;

/** The hypervisor snapshot's name: derived from the object's uid, so a retry after a crash finds the same one. */
export function hypervisorSnapshotName(uid: string): string {
  return `vs-${uid}`;
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
  #continuation: { raw: ApiObject; vmRaw: ApiObject | undefined } | undefined;

  constructor(deps: SnapshotStepDeps, ctx: ReconcileContext, loaded: LoadedSnapshot) {
    this.#deps = deps;
    this.#ctx = ctx;
    this.#loaded = loaded;
    this.#current = loaded.raw;
    this.#status = copySnapshotStatus(loaded.snapshot);
  }

  /**
   * The snapshot and VM as the last step's writes left them, when that step (AddFinalizer, a successful TakeHold)
   * only prepared the next one: the reconciler decides again from these instead of ending the reconcile and
   * waiting for the watch event of its own write. undefined after any other step. Safe for the same reason a
   * fresh reconcile is: the objects are the server's answers to our writes, so no newer state of ours exists.
   */
  get continuation(): { raw: ApiObject; vmRaw: ApiObject | undefined } | undefined {
    return this.#continuation;
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

  /** Adds the finalizer before anything exists on the hypervisor, and says on first sight that work is pending. */
  async addFinalizer(): Promise<ReconcileResult> {
    this.#current = await addFinalizer(this.#deps.client, VM_SNAPSHOTS, this.#current, SNAPSHOT_FINALIZER);
    const status = this.#status;
    status.phase ??= 'Pending';
    if (status.conditions.length === 0) {
      this.#setReadyState('InProgress', Reason.Pending, 'waiting to start');
    }
    await this.#writeStatus();
    this.#continuation = { raw: this.#current, vmRaw: this.#loaded.vmRaw };
    return {};
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
    const written = await writeVmStatusGuarded(this.#deps.statusWriter, vmRaw, status);
    if (!written) return { requeueAfterMs: CONFLICT_RETRY_MS };
    this.#ctx.log.info({ vm: vm.identity.name }, 'took the VM hold');
    this.#continuation = { raw: this.#current, vmRaw: written };
    return {};
  }

  /**
   * Takes the snapshot on the hypervisor, within the hypervisor's operation slots. The name is recorded (phase
   * InProgress) BEFORE the driver call, so a crash during the call leaves a status from which deletion can still
   * find the snapshot; the driver call itself is idempotent by name and owner uid.
   */
  async create(): Promise<ReconcileResult> {
    const { snapshot, vm, hypervisor, key } = this.#loaded;
    if (!vm || !hypervisor) throw new Error('Create needs the VM and its Hypervisor');
    const hvName = hypervisor.identity.name;
    if (!this.#deps.slots.tryAcquire(hvName, key, hypervisor.spec.maxConcurrentOperations)) {
      const message = `Hypervisor "${hvName}" is running ${hypervisor.spec.maxConcurrentOperations} operations (spec.maxConcurrentOperations); waiting for a free slot`;
      await this.wait(Reason.WaitingForSlot, message, false, SLOT_RETRY_MS);
      return { requeueAfterMs: SLOT_RETRY_MS };
    }
    try {
      const name = hypervisorSnapshotName(snapshot.identity.uid);
      // InProgress is recorded before every driver call, so only a snapshot already InProgress can have an
      // earlier attempt on the hypervisor (crashed or timed out) for the driver to look for.
      const mayExist = this.#status.phase === 'InProgress';
      await this.#markInProgress(name, vm.status.currentSnapshot ?? '', vm.spec.domain, hvName);
      const driver = await this.#deps.pool.driverFor(hvName, hypervisor.spec);
      let info: SnapshotInfo;
      try {
        info = await driver.createSnapshot(vm.spec.domain, {
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
      } catch (error) {
        if (!isDriverError(error)) throw error;
        if (!error.retryable) return this.fail(error.reason, error.message, true);
        // Say why it is taking longer, then throw: the queue retries with backoff, and the hold stays.
        this.#setReadyState('InProgress', error.reason, `${error.message}; retrying`);
        await this.#writeStatus();
        throw error;
      }
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

  /** Records the hypervisor name and the parent before the driver call (see `create`). */
  async #markInProgress(
    name: string,
    vmCurrentSnapshot: string,
    domain: string,
    hvName: string,
  ): Promise<void> {
    const status = this.#status;
    // A retry keeps the parent recorded by the first attempt: the hold kept currentSnapshot from moving since.
    if (status.phase !== 'InProgress') status.parent = vmCurrentSnapshot;
    status.phase = 'InProgress';
    status.snapshotName = name;
    status.readyToUse = false;
    this.#setReadyState(
      'InProgress',
      Reason.SnapshotInProgress,
      `taking snapshot "${name}" of domain "${domain}" on Hypervisor "${hvName}"`,
    );
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
    await this.#deps.events.normal(this.#current, 'SnapshotCreated', 'CreateSnapshot', message);
  }

  /** Moves the VM's currentSnapshot to this snapshot and releases the hold, in one guarded write. */
  async finish(): Promise<ReconcileResult> {
    const { vm, vmRaw, snapshot } = this.#loaded;
    if (!vm || !vmRaw) throw new Error('Finish needs the VM');
    const status = copyVmStatus(vm);
    status.currentSnapshot = snapshot.identity.name;
    applyHold(status, undefined, vm.identity.generation, this.#now());
    if (!(await writeVmStatusGuarded(this.#deps.statusWriter, vmRaw, status))) {
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
    if (!(await writeVmStatusGuarded(this.#deps.statusWriter, vmRaw, status))) {
      return { requeueAfterMs: CONFLICT_RETRY_MS };
    }
    this.#ctx.log.info({ vm: vm.identity.name }, 'released the VM hold');
    return {};
  }

  /**
   * Records the failure (phase Failed, Stalled=True: retrying cannot help), then lets go of the VM. A crash between
   * the two leaves a Failed snapshot holding its VM, which the next reconcile's ReleaseHold step finishes.
   */
  async fail(reason: string, message: string, releaseHold: boolean): Promise<ReconcileResult> {
    const status = this.#status;
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
    return releaseHold ? this.releaseHold() : {};
  }

  /**
   * Undoes the snapshot for a deleted VMSnapshot, then removes the finalizer.
   *
   * Deleting the hypervisor snapshot (policy Delete) is an operation on the VM like taking one: it waits until no
   * other operation holds the VM, takes the hold itself, runs within the hypervisor's operation slots, and lets
   * go afterwards, because the driver expects callers to serialise calls on one domain. Each reconcile moves one
   * step (take hold -> delete + release -> remove finalizer); a crash anywhere re-runs into the same path, and
   * deleting an already deleted snapshot is a success.
   *
   * A VM or Hypervisor that no longer exists cannot be cleaned up; that is reported in an event instead of
   * blocking the deletion forever (a finalizer that never lets go needs a human, which vmsnap promises never to
   * need).
   */
  async cleanup(deleteOnHypervisor: boolean, releaseHold: boolean): Promise<ReconcileResult> {
    const { snapshot, vm, hypervisor, key } = this.#loaded;
    const status = this.#status;
    if (status.phase !== 'Deleting') {
      status.phase = 'Deleting';
      this.#setReadyState('InProgress', Reason.Deleting, 'the VMSnapshot is being deleted');
      await this.#writeStatus();
    }
    const snapshotName = snapshot.status.snapshotName ?? '';
    if (deleteOnHypervisor && vm && hypervisor) {
      const hold = vm.status.hold;
      if (hold && !isHeldBy(hold, snapshot.identity)) {
        const message = `deleting: waiting for ${hold.holder.kind} "${hold.holder.name}" (${hold.operation}) to release VirtualMachine "${vm.identity.name}"`;
        this.#setReadyState('InProgress', 'WaitingForHold', message);
        await this.#writeStatus();
        return { requeueAfterMs: WAIT_REQUEUE_MS };
      }
      if (!hold) return this.takeHold();
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
    if (releaseHold || (deleteOnHypervisor && vm && hypervisor)) {
      const released = await this.releaseHold();
      if (released.requeueAfterMs) return released;
    }
    // Kept as #current like every write: the reconciler trusts its cache only up to the last version we wrote.
    this.#current = await removeFinalizer(this.#deps.client, VM_SNAPSHOTS, this.#current, SNAPSHOT_FINALIZER);
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

  /** How long until the failureDeadline passes (a waiting snapshot looks again then, to report Stalled on time). */
  #untilDeadlineMs(): number {
    const { snapshot, raw } = this.#loaded;
    const deadline = snapshot.spec.failureDeadlineMs;
    const created = raw.metadata.creationTimestamp;
    if (!deadline || !created) return Number.POSITIVE_INFINITY;
    return Math.max(50, new Date(created).getTime() + deadline - this.#now().getTime() + 50);
  }
}
