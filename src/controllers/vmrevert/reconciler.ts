import type { ReconcileContext, ReconcileResult, Reconciler } from '../../runtime/controller.ts';
import { splitKey } from '../../runtime/object-key.ts';
import { logStep, withObjectLogger } from '../shared/object-logger.ts';
import { hypervisorView, vmView } from '../shared/to-views.ts';
import { decideRevertStep } from './decide.ts';
import { loadRevert } from './loaded.ts';
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
    const loaded = await loadRevert(deps, key, { namespace: namespace ?? '', name });
    if (!loaded) return {};
    const decision = decideRevertStep({
      revert: revertView(loaded.revert),
      snapshot: loaded.snapshot && revertSnapshotView(loaded.snapshot),
      vm: loaded.vm && vmView(loaded.vm),
      desiredPowerState: loaded.vm?.spec.powerState,
      hypervisor: loaded.hypervisor && hypervisorView(loaded.hypervisor),
      live: loaded.live,
    });
    const stepCtx = withObjectLogger(ctx, loaded.revert.identity, loaded.vm?.spec.hypervisorName);
    logStep(
      stepCtx,
      decision.kind,
      'revert step',
      decision.kind === 'RunStep' ? { revertStep: decision.step } : {},
    );
    return new RevertSteps(deps, stepCtx, loaded).run(decision);
  };
}
