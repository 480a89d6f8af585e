import type { HoldView, HypervisorView, SnapshotView, VmView } from '../views.ts';

/**
 * The VMSnapshot reconciler's brain: from what it observed, the ONE next step. Pure, so every case is a unit test.
 *
 * Expected flow for a new snapshot (each step is idempotent and safe to re-run after a crash at any point; the
 * reconciler carries out AddFinalizer, TakeHold and Create in one reconcile when nothing makes it wait):
 *   AddFinalizer -> (wait for VM, hypervisor, hold) -> TakeHold -> Create -> Finish -> Done
 * - TakeHold writes the VM's status.hold guarded by resourceVersion: of two snapshots racing for one VM exactly
 *   one wins; the other sees the hold and waits. The hold is also the durable mark that a Create attempt may
 *   have reached the hypervisor (steps.ts `create`): it is taken before the first driver call and let go only
 *   after a terminal status or by Cleanup.
 * - Create calls the driver with a name derived from the object's UID, so a retry after a crash finds (or adopts)
 *   the snapshot instead of taking a second one; it writes InProgress while the driver works, then Ready.
 * - Finish moves the VM's currentSnapshot and releases the hold. A crash between Create and Finish leaves a Ready
 *   snapshot holding its VM: the next reconcile sees exactly that state and finishes.
 * Deletion: Cleanup releases a hold we still have, deletes the hypervisor snapshot when the policy says Delete (the
 * one status.snapshotName names, or `vs-<uid>` when the snapshot held its VM before its deletion began), and
 * removes the finalizer.
 * Deadlines (failureDeadline): an operation is failed for taking too long only once it has started on the
 * hypervisor, i.e. got one of the Hypervisor's operation slots and called the driver (status.startTime, written
 * with InProgress, see steps.ts `create`). Past the deadline counted from there -> Fail (DeadlineExceeded; the
 * hold is released, nothing more is tried). Before that:
 * - waiting for a free slot (holding the VM, no startTime) is queueing, which a run over many VMs of one host is
 *   meant to do: it never stalls or fails, however long (Create is chosen again; it reports WaitingForSlot);
 * - waiting on anything else (VM, Hypervisor, another operation's hold) past the deadline counted from creation
 *   -> Stall (still waiting, Stalled=True), since a human may have to act.
 * A crash after the driver call started but before startTime was stored restarts the clock at the next attempt:
 * that only lengthens the deadline, never fails a snapshot early.
 */
export type SnapshotStep =
  | { kind: 'AddFinalizer' }
  | { kind: 'Cleanup'; deleteOnHypervisor: boolean; releaseHold: boolean }
  | { kind: 'Wait'; reason: string; message: string; stalled: boolean; requeueAfterMs: number }
  | { kind: 'Fail'; reason: string; message: string; releaseHold: boolean }
  | { kind: 'TakeHold' }
  | { kind: 'Create' }
  | { kind: 'Finish' }
  | { kind: 'ReleaseHold' }
  | { kind: 'Done' };

export interface SnapshotWorld {
  snapshot: SnapshotView;
  /** undefined: no VirtualMachine of that name in the namespace. */
  vm: VmView | undefined;
  /** undefined: the VM names a Hypervisor that does not exist (or the VM itself is missing). */
  hypervisor: HypervisorView | undefined;
  now: Date;
  /**
   * How many OTHER VMSnapshots of this VM exist on the hypervisor (phase InProgress or Ready, not being
   * deleted): what the VM's maxSnapshots counts. Omitted = 0.
   */
  otherSnapshotsOfVm?: number;
}

/** How often a waiting snapshot looks again even without a watch event (events normally wake it sooner). */
export const WAIT_REQUEUE_MS = 30_000;

export function decideSnapshotStep(world: SnapshotWorld): SnapshotStep {
  const { snapshot, vm } = world;
  const holdsVm = vm !== undefined && isHeldBy(vm.hold, snapshot);

  if (snapshot.deleting) {
    if (!snapshot.hasFinalizer) return { kind: 'Done' };
    // A snapshot that held its VM before its deletion began may have an attempt on the hypervisor that no status
    // names yet (Create writes InProgress while the driver works); Cleanup records the derived name first.
    const mayHaveAttempt = holdsVm && snapshot.status.phase !== 'Deleting';
    return {
      kind: 'Cleanup',
      deleteOnHypervisor:
        snapshot.spec.deletionPolicy === 'Delete' &&
        (snapshot.status.snapshotName !== undefined || mayHaveAttempt),
      releaseHold: holdsVm,
    };
  }
  if (!snapshot.hasFinalizer) return { kind: 'AddFinalizer' };

  switch (snapshot.status.phase) {
    case 'Ready':
      return holdsVm ? { kind: 'Finish' } : { kind: 'Done' };
    case 'Failed':
      return holdsVm ? { kind: 'ReleaseHold' } : { kind: 'Done' };
    default:
      return decideInFlight(world, holdsVm);
  }
}

function decideInFlight(world: SnapshotWorld, holdsVm: boolean): SnapshotStep {
  const { snapshot, vm, hypervisor, now } = world;
  const startedAt = snapshot.status.startedAt;
  const pastDeadline = deadlinePassed(snapshot.spec.failureDeadlineMs, snapshot.createdAt, now);

  if (holdsVm) {
    if (startedAt && deadlinePassed(snapshot.spec.failureDeadlineMs, startedAt, now)) {
      return {
        kind: 'Fail',
        reason: 'DeadlineExceeded',
        message: deadlineExceededMessage(snapshot.spec.failureDeadlineMs, startedAt),
        releaseHold: true,
      };
    }
    if (hypervisor === undefined || !hypervisor.ready) {
      // Not started on the hypervisor yet: a hypervisor that stays away is a precondition (Stalled), like below.
      return wait('HypervisorNotReady', hypervisorMessage(vm!, hypervisor), !startedAt && pastDeadline);
    }
    // Also past the deadline when it never started: waiting for a free operation slot is queueing (see above).
    return { kind: 'Create' };
  }

  const blocker = preconditionBlocker(world);
  if (blocker) {
    if (blocker.terminal)
      return { kind: 'Fail', reason: blocker.reason, message: blocker.message, releaseHold: false };
    return wait(blocker.reason, blocker.message, pastDeadline);
  }
  return { kind: 'TakeHold' };

  function wait(reason: string, message: string, stalled: boolean): SnapshotStep {
    const text = stalled
      ? `${message}; failureDeadline ${formatMs(snapshot.spec.failureDeadlineMs)} passed`
      : message;
    return { kind: 'Wait', reason, message: text, stalled, requeueAfterMs: WAIT_REQUEUE_MS };
  }
}

interface Blocker {
  reason: string;
  message: string;
  /** true: waiting cannot help (bad input for this VM); the snapshot fails at once. */
  terminal: boolean;
}

function preconditionBlocker({
  snapshot,
  vm,
  hypervisor,
  otherSnapshotsOfVm,
}: SnapshotWorld): Blocker | undefined {
  if (vm === undefined) {
    return {
      reason: 'VMNotFound',
      message: `VirtualMachine "${snapshot.spec.vmName}" not found in namespace "${snapshot.namespace}"`,
      terminal: false,
    };
  }
  if (hypervisor === undefined || !hypervisor.ready) {
    return { reason: 'HypervisorNotReady', message: hypervisorMessage(vm, hypervisor), terminal: false };
  }
  if (vm.phase === 'Unknown' || vm.phase === undefined) {
    return {
      reason: 'VMNotObserved',
      message: `VirtualMachine "${vm.name}" has not been observed on its hypervisor yet`,
      terminal: false,
    };
  }
  if (snapshot.spec.memory && vm.phase !== 'Running' && vm.phase !== 'Paused') {
    return {
      reason: 'MemoryRequiresRunningVM',
      message: `memory: true needs a running or paused VM, but VirtualMachine "${vm.name}" is ${vm.phase}`,
      terminal: true,
    };
  }
  if (snapshot.spec.quiesce && !hypervisor.capabilities.quiesce) {
    return {
      reason: 'QuiesceUnavailable',
      message: `quiesce: true, but Hypervisor "${hypervisor.name}" cannot quiesce guests`,
      terminal: true,
    };
  }
  const limit = snapshotLimit(vm, hypervisor);
  if (limit !== undefined && (otherSnapshotsOfVm ?? 0) >= limit.max) {
    return {
      reason: 'SnapshotLimitReached',
      message: `VirtualMachine "${vm.name}" already has ${otherSnapshotsOfVm} snapshots (${limit.source} ${limit.max}); delete one to take another`,
      terminal: true,
    };
  }
  if (vm.hold !== undefined) {
    const h = vm.hold;
    return {
      reason: 'WaitingForHold',
      message: `VirtualMachine "${vm.name}" is held by ${h.holder.kind} "${h.holder.name}" (${h.operation}) since ${h.since}`,
      terminal: false,
    };
  }
  return undefined;
}

/**
 * The most snapshots the VM may have, and where that number comes from: its spec.maxSnapshots, else the
 * hypervisor's own per-VM limit as probed (vSphere: 32 per chain), else none (undefined).
 */
export function snapshotLimit(
  vm: Pick<VmView, 'maxSnapshots'>,
  hypervisor: Pick<HypervisorView, 'name' | 'capabilities'> | undefined,
): { max: number; source: string } | undefined {
  if (vm.maxSnapshots !== undefined) return { max: vm.maxSnapshots, source: 'spec.maxSnapshots' };
  const driverLimit = hypervisor?.capabilities.maxSnapshotsPerVM;
  if (driverLimit === undefined) return undefined;
  return { max: driverLimit, source: `the limit of Hypervisor "${hypervisor?.name}"` };
}

function hypervisorMessage(vm: VmView, hypervisor: HypervisorView | undefined): string {
  if (hypervisor === undefined)
    return `Hypervisor "${vm.hypervisorName}" (of VirtualMachine "${vm.name}") not found`;
  return `Hypervisor "${hypervisor.name}" is not ready: ${hypervisor.notReadyMessage ?? 'not probed yet'}`;
}

/** Whether `deadlineMs` (0 = none) has passed since `since`. */
export function deadlinePassed(deadlineMs: number, since: Date, now: Date): boolean {
  return deadlineMs > 0 && now.getTime() - since.getTime() >= deadlineMs;
}

/** The Failed message of a snapshot whose operation outlived its failureDeadline. */
export function deadlineExceededMessage(deadlineMs: number, startedAt: Date): string {
  return `the snapshot did not complete within its failureDeadline (${formatMs(deadlineMs)}) after its operation started on the hypervisor at ${startedAt.toISOString()}`;
}

export function isHeldBy(hold: HoldView | undefined, snapshot: Pick<SnapshotView, 'uid'>): boolean {
  return hold !== undefined && hold.holder.kind === 'VMSnapshot' && hold.holder.uid === snapshot.uid;
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}
