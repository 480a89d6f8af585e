import type { VMSnapshot } from '../../api/vm-snapshot.ts';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../../runtime/controller.ts';
import { splitKey } from '../../runtime/object-key.ts';
import type { ObjectCache } from '../shared/deps.ts';
import { hypervisorView, snapshotView, vmView } from '../shared/to-views.ts';
import { decideSnapshotStep } from './decide.ts';
import { loadSnapshot } from './loaded.ts';
import { type SnapshotStepDeps, SnapshotSteps } from './steps.ts';

/**
 * Reconciles a VMSnapshot: reads it, its VM and the VM's Hypervisor, lets decideSnapshotStep choose the one next
 * step, and carries it out (SnapshotSteps). Level-based: every reconcile starts from what is stored, so a restart
 * at any point resumes where the last process stopped.
 */
export function vmSnapshotReconciler(deps: SnapshotStepDeps): Reconciler {
  return async (key: string, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const { namespace, name } = splitKey(key);
    const loaded = await loadSnapshot(deps, key, { namespace: namespace ?? '', name });
    if (!loaded) return {};
    const step = decideSnapshotStep({
      snapshot: snapshotView(loaded.snapshot, loaded.raw.metadata.creationTimestamp),
      vm: loaded.vm && vmView(loaded.vm),
      hypervisor: loaded.hypervisor && hypervisorView(loaded.hypervisor),
      now: deps.now(),
      otherSnapshotsOfVm: countOtherSnapshots(deps.snapshots, loaded.snapshot),
    });
    ctx.log.debug({ step: step.kind }, 'snapshot step');
    return new SnapshotSteps(deps, ctx, loaded).run(step);
  };
}

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
