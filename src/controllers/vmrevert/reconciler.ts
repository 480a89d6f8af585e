import type { ReconcileContext, ReconcileResult, Reconciler } from '../../runtime/controller.ts';
import { splitKey } from '../../runtime/object-key.ts';
import { logStep, withObjectLogger } from '../shared/object-logger.ts';
import { hypervisorView, vmView } from '../shared/to-views.ts';
import { decideRevertStep, type RevertDecision } from './decide.ts';
import { type LoadedRevert, loadedFromWrites, loadRevert } from './loaded.ts';
import { type RevertStepDeps, RevertSteps } from './steps.ts';
import { revertSnapshotView, revertView } from './to-views.ts';

/**
 * Reconciles a VMRevert: reads it, its snapshot, the snapshot's VM and the VM's Hypervisor (and, while work is
 * left, the domain and the snapshot on the hypervisor), lets decideRevertStep choose the one next step, and
 * carries it out (RevertSteps). Level-based: every reconcile starts from what is stored, so a restart at any point
 * resumes where the last process stopped.
 */
export function vmRevertReconciler(deps: RevertStepDeps): Reconciler {
  return async (key: string, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const { namespace, name } = splitKey(key);
    const first = await loadRevert(deps, key, { namespace: namespace ?? '', name });
    if (!first) return {};
    let loaded: LoadedRevert = first;
    // Plan, AddFinalizer and TakeHold (and Finish, Succeed, RemoveFinalizer at the end) only write API objects.
    // Waiting for each write's watch event and reading everything again cost a reconcile hop per step, ~10-20 ms
    // each on every revert, so after one of them the next step is decided at once on the objects the writes
    // returned, with the domain as this reconcile saw it (no step since touched it). A driver step ends the
    // chain: the next reconcile reads the domain again. Bounded, so a bug cannot spin inside one reconcile.
    for (let hop = 1; ; hop++) {
      const decision = decide(loaded);
      const stepCtx = withObjectLogger(ctx, loaded.revert.identity, loaded.vm?.spec.hypervisorName);
      logStep(
        stepCtx,
        decision.kind,
        'revert step',
        decision.kind === 'RunStep' ? { revertStep: decision.step } : {},
      );
      const steps = new RevertSteps(deps, stepCtx, loaded);
      const result = await steps.run(decision);
      const next: LoadedRevert | undefined =
        CHAINED_STEPS.has(decision.kind) &&
        result.requeueAfterMs === undefined &&
        hop < MAX_STEPS_PER_RECONCILE
          ? loadedFromWrites(loaded, steps.current, steps.vmWritten)
          : undefined;
      if (!next) return result;
      loaded = next;
    }
  };
}

/** Steps that only write API objects, after which the reconcile decides the next one at once. */
const CHAINED_STEPS: ReadonlySet<RevertDecision['kind']> = new Set([
  'Plan',
  'AddFinalizer',
  'TakeHold',
  'Finish',
  'Succeed',
]);

/** Plan, AddFinalizer, TakeHold and the first RunStep: the longest chain one reconcile carries out. */
const MAX_STEPS_PER_RECONCILE = 4;

function decide(loaded: LoadedRevert): RevertDecision {
  return decideRevertStep({
    revert: revertView(loaded.revert),
    snapshot: loaded.snapshot && revertSnapshotView(loaded.snapshot),
    vm: loaded.vm && vmView(loaded.vm),
    desiredPowerState: loaded.vm?.spec.powerState,
    hypervisor: loaded.hypervisor && hypervisorView(loaded.hypervisor),
    live: loaded.live,
  });
}
