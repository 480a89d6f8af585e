import { Reason } from '../../api/conditions.ts';
import { parseHypervisor } from '../../api/hypervisor.ts';
import { parseVirtualMachine, type VirtualMachine } from '../../api/virtual-machine.ts';
import { type DomainInfo, type HypervisorDriver, isDriverError } from '../../drivers/port.ts';
import { type ReadyState, readyConditions, setConditions } from '../../runtime/conditions.ts';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../../runtime/controller.ts';
import { splitKey } from '../../runtime/object-key.ts';
import { TerminalError } from '../../runtime/terminal-error.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import { logStep, withObjectLogger } from '../shared/object-logger.ts';
import { type ApiObject, VIRTUAL_MACHINES } from '../shared/resources.ts';
import { hypervisorView } from '../shared/to-views.ts';
import { applyHold, copyVmStatus, writeVmStatusGuarded } from '../shared/vm-status.ts';
import type { HoldView } from '../views.ts';
import { decideVmStep, heldMessage, type VmStep } from './decide.ts';
import { heldObservationDelay } from './held-observation.ts';
import { holderExists } from './holder.ts';
import { buildSnapshotTree, type SnapshotTree } from './snapshot-tree.ts';
import {
  statusTreeAgrees,
  type TreeInputs,
  TreeRefresh,
  treeFingerprint,
  vmSnapshotNames,
  vmSnapshotUids,
} from './tree-refresh.ts';

/** Phase changes made outside vmsnap (virsh, the guest shutting down) show up within this long. */
export const OBSERVE_INTERVAL_MS = 30_000;
/** While the power state converges, look again soon. */
const CONVERGE_INTERVAL_MS = 2_000;
/** Another writer updated the VM between our read and write: decide again on fresh state. */
const CONFLICT_RETRY_MS = 100;
/** A guest asked to shut down (ACPI) that is still running after this long is powered off. */
export const STOP_GRACE_MS = 120_000;

/**
 * Reconciles a VirtualMachine: observes its domain (status.phase is the lifecycle phase and nothing else),
 * applies decideVmStep (power on/off only while not held, releasing holds whose holder is gone, resuming a VM an
 * interrupted snapshot left `paused (saving)`), and derives Snapshotting/Reverting from status.hold. Every status
 * write is guarded by resourceVersion because the snapshot and revert controllers write the same status (the hold).
 */
export function virtualMachineReconciler(deps: ControllerDeps): Reconciler {
  /** When a graceful stop was first asked for, per VM key; in memory only (a restart just asks again). */
  const stopAskedAt = new Map<string, number>();
  const treeRefresh = new TreeRefresh();
  /** When each VM's domain was last observed and written, per VM key; in memory only (a restart reads at once). */
  const observedAt = new Map<string, number>();

  return async (key: string, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const { namespace, name } = splitKey(key);
    const raw = await deps.client.find<ApiObject>(VIRTUAL_MACHINES, { namespace, name });
    if (!raw) {
      stopAskedAt.delete(key);
      treeRefresh.forget(key);
      observedAt.delete(key);
      deps.metrics?.observeHold(key, undefined);
      return {};
    }
    const parsed = parseVirtualMachine(raw);
    if (!parsed.ok) throw new TerminalError(parsed.error.message);
    const vm = parsed.value;

    const hold = vm.status.hold;
    const holderAlive = hold ? await holderExists(deps.client, namespace ?? '', hold) : undefined;
    // A hold just taken must not put a domain read on its holder's critical path (see held-observation.ts).
    const deferMs = heldObservationDelay({
      held: hold !== undefined,
      holderExists: holderAlive,
      generation: vm.identity.generation,
      observedGeneration: vm.status.observedGeneration,
      lastObservedAt: observedAt.get(key),
      now: deps.now().getTime(),
      intervalMs: OBSERVE_INTERVAL_MS,
    });
    if (deferMs !== undefined) {
      deps.metrics?.observeHold(key, hold?.since);
      return { requeueAfterMs: deferMs };
    }

    const reached = await reachDomain(deps, vm);
    if (!reached.ok) {
      observedAt.delete(key);
      deps.metrics?.observeHold(key, hold?.since);
      return writeNotReady(deps, raw, vm, reached.reason, reached.message);
    }
    const { driver } = reached;
    const observedNow = deps.now().getTime();
    const step = decideVmStep({
      observedPhase: reached.domain.phase,
      pausedReason: reached.domain.pausedReason,
      desiredPowerState: vm.spec.powerState,
      hold,
      holderExists: holderAlive,
    });

    const stepCtx = withObjectLogger(ctx, vm.identity, vm.spec.hypervisorName);
    logStep(stepCtx, step.kind, 'virtual machine step');
    const acted = await act(deps, step, { key, raw, vm, driver, domain: reached.domain }, stopAskedAt);
    const { domain, keptHold } = acted;
    deps.metrics?.observeHold(key, keptHold?.since);
    if (domain.phase === 'Stopped' || vm.spec.powerState !== 'Stopped') stopAskedAt.delete(key);
    const treeInputs: TreeInputs = {
      held: keptHold !== undefined,
      fingerprint: treeFingerprint(deps.snapshots, {
        namespace: namespace ?? '',
        name,
        currentSnapshot: vm.status.currentSnapshot,
      }),
      statusAgrees: () =>
        statusTreeAgrees(
          vm.status.snapshots,
          vmSnapshotNames(deps.snapshots, vm.identity),
          vm.status.currentSnapshot,
        ),
      now: deps.now().getTime(),
    };
    const tree = treeRefresh.due(key, treeInputs)
      ? await listSnapshotTree(deps, driver, vm, stepCtx)
      : undefined;

    const now = deps.now();
    const generation = vm.identity.generation;
    const status = copyVmStatus(vm);
    status.observedGeneration = generation;
    const transient = pausedByOwnSnapshot(domain, keptHold) && vm.status.phase !== undefined;
    if (!transient) status.phase = domain.phase;
    status.domainUUID = domain.uuid;
    applyHold(status, keptHold, generation, now);
    if (tree) {
      status.snapshots = tree.entries;
      status.snapshotCount = tree.total;
    }
    const converging = setVmReadyState(
      status,
      { domain, keptHold, desired: vm.spec.powerState, transient },
      generation,
      now,
    );
    if (!(await writeVmStatusGuarded(deps.statusWriter, raw, status)))
      return { requeueAfterMs: CONFLICT_RETRY_MS };
    observedAt.set(key, observedNow);
    // Only once written: a lost write must be retried with a fresh listing, not skipped as already done.
    if (tree) treeRefresh.listed(key, treeInputs);
    if (step.kind === 'ReleaseStaleHold') {
      stepCtx.log.warn(step.message);
      await deps.events.warning(raw, 'StaleHoldReleased', 'ReleaseHold', step.message);
    }
    return { requeueAfterMs: converging ? CONVERGE_INTERVAL_MS : OBSERVE_INTERVAL_MS };
  };
}

interface Acting {
  key: string;
  raw: ApiObject;
  vm: VirtualMachine;
  driver: HypervisorDriver;
  domain: DomainInfo;
}

/** Carries out the VM step; returns the domain as it is afterwards and the hold to keep. */
async function act(
  deps: ControllerDeps,
  step: VmStep,
  { key, raw, vm, driver, domain }: Acting,
  stopAskedAt: Map<string, number>,
): Promise<{ domain: DomainInfo; keptHold: HoldView | undefined }> {
  const hold = vm.status.hold;
  switch (step.kind) {
    case 'ReleaseStaleHold':
      return { domain, keptHold: undefined };
    case 'Recover': {
      const recovered = await driver.recover(vm.spec.domain);
      if (recovered.actions.length > 0) {
        await deps.events.normal(
          raw,
          'RecoveredInterruptedSnapshot',
          'Recover',
          `resumed the VM, left "${domain.stateDetail}" by an interrupted snapshot`,
        );
      }
      return { domain: recovered.domain, keptHold: hold };
    }
    case 'PowerOn': {
      stopAskedAt.delete(key);
      const after =
        domain.phase === 'Paused' ? await driver.resume(vm.spec.domain) : await driver.start(vm.spec.domain);
      await deps.events.normal(raw, 'PoweredOn', 'Start', 'spec.powerState is Running: started the VM');
      return { domain: after, keptHold: hold };
    }
    case 'PowerOff': {
      const askedAt = stopAskedAt.get(key);
      const force = askedAt !== undefined && deps.now().getTime() - askedAt >= STOP_GRACE_MS;
      if (askedAt === undefined) stopAskedAt.set(key, deps.now().getTime());
      const after = await driver.stop(vm.spec.domain, { force });
      if (askedAt === undefined || force) {
        const note = force
          ? `spec.powerState is Stopped: the guest did not shut down within ${STOP_GRACE_MS / 1000} s, powered it off`
          : 'spec.powerState is Stopped: asked the guest to shut down';
        await deps.events.normal(raw, force ? 'PoweredOff' : 'ShuttingDown', 'Stop', note);
      }
      return { domain: after, keptHold: hold };
    }
    case 'Observe':
      return { domain, keptHold: hold };
  }
}

/**
 * Ready/Reconciling/Stalled for the VM: Ready once the domain is observed in its desired power state; in
 * progress while it converges, or while a hold keeps it from converging (the reason then names the holder's kind
 * and the message the holder). Returns whether the power state is still converging.
 */
function setVmReadyState(
  status: ReturnType<typeof copyVmStatus>,
  observed: {
    domain: DomainInfo;
    keptHold: HoldView | undefined;
    desired: string | undefined;
    transient: boolean;
  },
  generation: number,
  now: Date,
): boolean {
  const { domain, keptHold, desired, transient } = observed;
  const converging = desired !== undefined && desired !== status.phase;
  let state: ReadyState = 'Ready';
  let reason: string = Reason.DomainFound;
  let message = `domain "${domain.name}" (${domain.uuid}) is ${transient ? `${status.phase} (paused for the snapshot in progress)` : domain.stateDetail}`;
  if (converging && keptHold) {
    state = 'InProgress';
    reason = `HeldBy${keptHold.holder.kind}`;
    message = `powerState ${desired} waits: ${heldMessage(keptHold)}`;
  } else if (converging) {
    state = 'InProgress';
    reason = Reason.PowerStateConverging;
    message = `domain "${domain.name}" is ${domain.stateDetail}; converging to powerState ${desired}`;
  }
  setConditions(
    status.conditions,
    readyConditions(state, { reason, message, observedGeneration: generation }),
    now,
  );
  return converging;
}

/**
 * A memory snapshot pauses the domain while it writes the memory state (libvirt: `paused (snapshot)`, or
 * `paused (saving)`). That pause belongs to the operation holding the VM, which the hold and the Snapshotting
 * condition already say; recording it as the VM's phase would make the phase tell about the snapshot again,
 * which the design rule forbids. So while a Snapshot hold exists, such a pause keeps the phase observed before.
 */
function pausedByOwnSnapshot(domain: DomainInfo, hold: HoldView | undefined): boolean {
  return (
    hold?.operation === 'Snapshot' &&
    domain.phase === 'Paused' &&
    (domain.pausedReason === 'Snapshot' || domain.pausedReason === 'Saving')
  );
}

/**
 * The domain's snapshot tree for status.snapshots, or undefined when the hypervisor could not list it now: the
 * tree then stays as last written and the next reconcile tries again, because a listing failure says nothing
 * about the VM's phase and must not turn the VM not-Ready.
 */
async function listSnapshotTree(
  deps: ControllerDeps,
  driver: HypervisorDriver,
  vm: VirtualMachine,
  ctx: ReconcileContext,
): Promise<SnapshotTree | undefined> {
  try {
    const infos = await driver.listSnapshots(vm.spec.domain);
    return buildSnapshotTree(infos, vmSnapshotUids(deps.snapshots, vm.identity));
  } catch (error) {
    if (!isDriverError(error)) throw error;
    ctx.log.warn({ reason: error.reason, err: error.message }, 'could not list the snapshot tree');
    return undefined;
  }
}

type Reached =
  | { ok: true; driver: HypervisorDriver; domain: DomainInfo }
  | { ok: false; reason: string; message: string };

/** The VM's driver and its domain as the hypervisor reports it now, or why it could not be observed. */
async function reachDomain(deps: ControllerDeps, vm: VirtualMachine): Promise<Reached> {
  const hvName = vm.spec.hypervisorName;
  const hvRaw = deps.hypervisors.get(undefined, hvName);
  const hv = hvRaw ? parseHypervisor(hvRaw) : undefined;
  if (!hv?.ok) {
    return { ok: false, reason: Reason.HypervisorNotFound, message: `Hypervisor "${hvName}" not found` };
  }
  const view = hypervisorView(hv.value);
  if (!view.ready) {
    return {
      ok: false,
      reason: Reason.HypervisorNotReady,
      message: `Hypervisor "${hvName}" is not ready: ${view.notReadyMessage ?? 'not probed yet'}`,
    };
  }
  try {
    const driver = await deps.pool.driverFor(hvName, hv.value.spec);
    return { ok: true, driver, domain: await driver.getDomain(vm.spec.domain) };
  } catch (error) {
    if (!isDriverError(error)) throw error;
    const reason = error.reason === 'DomainNotFound' ? Reason.DomainNotFound : error.reason;
    return { ok: false, reason, message: error.message };
  }
}

/** The domain could not be observed: phase Unknown, Ready=False with why; look again later. */
async function writeNotReady(
  deps: ControllerDeps,
  raw: ApiObject,
  vm: VirtualMachine,
  reason: string,
  message: string,
): Promise<ReconcileResult> {
  const now = deps.now();
  const generation = vm.identity.generation;
  const status = copyVmStatus(vm);
  status.observedGeneration = generation;
  // Unknown says "we cannot see it now"; a VM never observed keeps no phase at all rather than a misleading one.
  if (status.phase !== undefined) status.phase = 'Unknown';
  applyHold(status, vm.status.hold, generation, now);
  setConditions(
    status.conditions,
    readyConditions('InProgress', { reason, message, observedGeneration: generation }),
    now,
  );
  if (!(await writeVmStatusGuarded(deps.statusWriter, raw, status)))
    return { requeueAfterMs: CONFLICT_RETRY_MS };
  return { requeueAfterMs: OBSERVE_INTERVAL_MS };
}
