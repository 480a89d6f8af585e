import type { VMSnapshot } from '../../api/vm-snapshot.ts';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../../runtime/controller.ts';
import { splitKey } from '../../runtime/object-key.ts';
import type { ObjectCache } from '../shared/deps.ts';
import { logStep, withObjectLogger } from '../shared/object-logger.ts';
import { hypervisorView, snapshotView, vmView } from '../shared/to-views.ts';
import { decideSnapshotStep, type SnapshotStep } from './decide.ts';
import { addFinalizerTakingHold } from './finalizer-with-hold.ts';
import { type LoadedSnapshot, loadedFromWrites, loadSnapshot } from './loaded.ts';
import { type ChainState, type SnapshotStepDeps, SnapshotSteps } from './steps.ts';

/**
 * Reconciles a VMSnapshot: reads it, its VM and the VM's Hypervisor, lets decideSnapshotStep choose the one next
 * step, and carries it out (SnapshotSteps). Level-based: every reconcile starts from what is stored, so a restart
 * at any point resumes where the last process stopped.
 */
export function vmSnapshotReconciler(deps: SnapshotStepDeps): Reconciler {
  /** Per key, the snapshot's resourceVersion as this process last wrote or read it (see readSnapshot). */
  const lastVersion = new Map<string, string>();
  /** Keys whose reconciles wrote (or tried to write) the VM in this process (see loaded.ts `readVm`). */
  const wroteVm = new Set<string>();

  return async (key: string, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const { namespace, name } = splitKey(key);
    let loaded = await loadSnapshot(
      deps,
      key,
      { namespace: namespace ?? '', name },
      {
        lastWrittenVersion: lastVersion.get(key),
        wroteVm: wroteVm.has(key),
      },
    );
    if (!loaded) {
      lastVersion.delete(key);
      wroteVm.delete(key);
      return {};
    }
    let chain: ChainState = { tookHold: false };
    /** AddFinalizer left the first status to the steps after it (see SnapshotSteps.addFinalizer). */
    let statusOwed = false;
    // A new snapshot goes AddFinalizer -> TakeHold -> Create. Waiting for the watch event of each write (and
    // re-reading both objects) cost two hops per snapshot, so after a preparing step the next one is decided at
    // once from the objects the writes returned; AddFinalizer and TakeHold are even sent together when the
    // second is sure to follow (finalizer-with-hold.ts). Bounded, so a bug cannot spin inside one reconcile.
    for (let hop = 1; ; hop++) {
      const step = decide(deps, loaded);
      const stepCtx = withObjectLogger(ctx, loaded.snapshot.identity, loaded.vm?.spec.hypervisorName);
      if (step.kind === 'AddFinalizer') {
        const both = await addFinalizerTakingHold(
          deps,
          stepCtx,
          loaded,
          (projected) => decide(deps, projected),
          (kind) => logStep(stepCtx, kind, 'snapshot step'),
        );
        if (both) {
          const version = both.current.metadata.resourceVersion;
          if (version) lastVersion.set(key, version);
          if (both.wroteVm) wroteVm.add(key);
          if (both.error !== undefined) throw both.error;
          if (!both.continuation) return both.result;
          hop++;
          loaded = loadedFromWrites(deps, key, both.continuation.raw, both.continuation.vmRaw);
          chain = { tookHold: both.continuation.tookHold };
          continue;
        }
      }
      logStep(stepCtx, step.kind, 'snapshot step');
      const steps = new SnapshotSteps(deps, stepCtx, loaded, chain);
      let result: ReconcileResult;
      try {
        result = await steps.run(step);
        if (step.kind === 'AddFinalizer') statusOwed = true;
        // Every step that can follow AddFinalizer writes a status of its own, except TakeHold: a TakeHold that
        // ends the reconcile (lost the race for the hold, or the step limit) owes the first status still.
        const last = !steps.continuation || hop >= MAX_STEPS_PER_RECONCILE;
        if (statusOwed && last && (step.kind === 'TakeHold' || step.kind === 'AddFinalizer')) {
          await steps.writeFirstStatus();
        }
      } finally {
        // Also after a throw: the writes that did succeed are in steps.current.
        const version = steps.current.metadata.resourceVersion;
        if (version) lastVersion.set(key, version);
        else lastVersion.delete(key);
        if (steps.wroteVm) wroteVm.add(key);
      }
      const next = steps.continuation;
      if (!next || hop >= MAX_STEPS_PER_RECONCILE) return result;
      loaded = loadedFromWrites(deps, key, next.raw, next.vmRaw);
      chain = { tookHold: next.tookHold };
    }
  };
}

/** The next step for the snapshot as loaded. */
function decide(deps: SnapshotStepDeps, loaded: LoadedSnapshot): SnapshotStep {
  return decideSnapshotStep({
    snapshot: snapshotView(loaded.snapshot, loaded.raw.metadata.creationTimestamp),
    vm: loaded.vm && vmView(loaded.vm),
    hypervisor: loaded.hypervisor && hypervisorView(loaded.hypervisor),
    now: deps.now(),
    otherSnapshotsOfVm: countOtherSnapshots(deps.snapshots, loaded.snapshot),
  });
}

/** AddFinalizer, TakeHold and Create: the longest chain of steps one reconcile carries out. */
const MAX_STEPS_PER_RECONCILE = 3;

/** The VM's other snapshots that exist on the hypervisor (what spec.maxSnapshots limits), from the cache. */
function countOtherSnapshots(snapshots: ObjectCache, snapshot: VMSnapshot): number {
  const { namespace, uid } = snapshot.identity;
  return snapshots.list().filter((other) => {
    const spec = other.spec as { vmName?: unknown } | undefined;
    const phase = other.status?.phase;
    return (
      other.metadata.namespace === namespace &&
      other.metadata.uid !== uid &&
      spec?.vmName === snapshot.spec.vmName &&
      !other.metadata.deletionTimestamp &&
      (phase === 'InProgress' || phase === 'Ready')
    );
  }).length;
}
