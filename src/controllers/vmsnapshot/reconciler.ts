import type { VMSnapshot } from '../../api/vm-snapshot.ts';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../../runtime/controller.ts';
import { splitKey } from '../../runtime/object-key.ts';
import type { ObjectCache } from '../shared/deps.ts';
import { logStep, withObjectLogger } from '../shared/object-logger.ts';
import { hypervisorView, snapshotView, vmView } from '../shared/to-views.ts';
import { decideSnapshotStep } from './decide.ts';
import { loadedFromWrites, loadSnapshot } from './loaded.ts';
import { type SnapshotStepDeps, SnapshotSteps } from './steps.ts';

/**
 * Reconciles a VMSnapshot: reads it, its VM and the VM's Hypervisor, lets decideSnapshotStep choose the one next
 * step, and carries it out (SnapshotSteps). Level-based: every reconcile starts from what is stored, so a restart
 * at any point resumes where the last process stopped.
 */
export function vmSnapshotReconciler(deps: SnapshotStepDeps): Reconciler {
  /** Per key, the snapshot's resourceVersion as this process last wrote or read it (see readSnapshot). */
  const lastVersion = new Map<string, string>();

  return async (key: string, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const { namespace, name } = splitKey(key);
    let loaded = await loadSnapshot(deps, key, { namespace: namespace ?? '', name }, lastVersion.get(key));
    if (!loaded) {
      lastVersion.delete(key);
      return {};
    }
    // A new snapshot goes AddFinalizer -> TakeHold -> Create. Waiting for the watch event of each write (and
    // re-reading both objects) cost two hops per snapshot, so after a preparing step the next one is decided at
    // once from the objects the writes returned. Bounded, so a bug cannot spin inside one reconcile.
    for (let hop = 1; ; hop++) {
      const step = decideSnapshotStep({
        snapshot: snapshotView(loaded.snapshot, loaded.raw.metadata.creationTimestamp),
        vm: loaded.vm && vmView(loaded.vm),
        hypervisor: loaded.hypervisor && hypervisorView(loaded.hypervisor),
        now: deps.now(),
        otherSnapshotsOfVm: countOtherSnapshots(deps.snapshots, loaded.snapshot),
      });
      const stepCtx = withObjectLogger(ctx, loaded.snapshot.identity, loaded.vm?.spec.hypervisorName);
      logStep(stepCtx, step.kind, 'snapshot step');
      const steps = new SnapshotSteps(deps, stepCtx, loaded);
      let result: ReconcileResult;
      try {
        result = await steps.run(step);
      } finally {
        // Also after a throw: the writes that did succeed are in steps.current.
        const version = steps.current.metadata.resourceVersion;
        if (version) lastVersion.set(key, version);
        else lastVersion.delete(key);
      }
      const next = steps.continuation;
      if (!next || hop >= MAX_STEPS_PER_RECONCILE) return result;
      loaded = loadedFromWrites(deps, key, next.raw, next.vmRaw);
    }
  };
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
