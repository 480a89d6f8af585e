// Turns the parsed VMRevert and VMSnapshot into the plain views decideRevertStep takes.
import type { VMRevert } from '../../api/vm-revert.ts';
import type { VMSnapshot } from '../../api/vm-snapshot.ts';
import { REVERT_FINALIZER } from './names.ts';
import type { RevertSnapshotView, RevertView } from './world.ts';

export function revertView(revert: VMRevert): RevertView {
  const { identity, spec, status } = revert;
  return {
    namespace: identity.namespace,
    name: identity.name,
    uid: identity.uid,
    generation: identity.generation,
    deleting: identity.deleting,
    hasFinalizer: identity.finalizers.includes(REVERT_FINALIZER),
    spec: { ...spec },
    status: {
      phase: status.phase,
      vmName: status.vmName || undefined,
      fromPhase: status.fromPhase,
      toPhase: status.toPhase,
      steps: status.steps ?? [],
      completedSteps: status.completedSteps ?? [],
    },
  };
}

export function revertSnapshotView(snapshot: VMSnapshot): RevertSnapshotView {
  const { identity, spec, status } = snapshot;
  const ready = status.phase === 'Ready';
  return {
    name: identity.name,
    vmName: spec.vmName,
    phase: status.phase,
    hypervisorName: status.snapshotName || undefined,
    // What was captured is known only once the snapshot is Ready; before that these fields are not final.
    memory: ready ? status.memory : undefined,
    vmPhase: ready ? status.vmPhase : undefined,
  };
}
