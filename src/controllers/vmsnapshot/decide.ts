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
 * Deadlines: waiting on preconditions past failureDeadline -> Stall (still waiting, Stalled=True); an operation
 * that has the hold and is past its deadline -> Fail (the hold is released, nothing more is tried).
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
  const pastDeadline =
    snapshot.spec.failureDeadlineMs > 0 &&
    now.getTime() - snapshot.createdAt.getTime() >= snapshot.spec.failureDeadlineMs;

  if (holdsVm) {
    if (pastDeadline) {
      return {
        kind: 'Fail',
        reason: 'DeadlineExceeded',
        message: `the snapshot did not complete within its failureDeadline (${formatMs(snapshot.spec.failureDeadlineMs)})`,
        releaseHold: true,
      };
    }
    if (hypervisor === undefined || !hypervisor.ready) {
      return wait('HypervisorNotReady', hypervisorMessage(vm!, hypervisor), false);
    }
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

export function isHeldBy(hold: HoldView | undefined, snapshot: Pick<SnapshotView, 'uid'>): boolean {
  return hold !== undefined && hold.holder.kind === 'VMSnapshot' && hold.holder.uid === snapshot.uid;
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}
