// Turns parsed API objects into the plain views the pure decision functions take.
import type { Hypervisor } from '../../api/hypervisor.ts';
import type { VirtualMachine } from '../../api/virtual-machine.ts';
import type { VMSnapshot } from '../../api/vm-snapshot.ts';
import { isTrue } from '../../runtime/conditions.ts';
import type { HypervisorView, SnapshotView, VmView } from '../views.ts';
import { SNAPSHOT_FINALIZER } from './resources.ts';

export function vmView(vm: VirtualMachine): VmView {
  const { identity, spec, status } = vm;
  return {
    namespace: identity.namespace,
    name: identity.name,
    uid: identity.uid,
    hypervisorName: spec.hypervisorName,
    domain: spec.domain,
    phase: status.phase,
    hold: status.hold,
    currentSnapshot: status.currentSnapshot || undefined,
    maxSnapshots: spec.maxSnapshots,
  };
}

export function hypervisorView(hypervisor: Hypervisor): HypervisorView {
  const { identity, spec, status } = hypervisor;
  const ready = isTrue(status.conditions, 'Ready');
  const readyCondition = status.conditions.find((c) => c.type === 'Ready');
  return {
    name: identity.name,
    ready,
    notReadyMessage: ready ? undefined : readyCondition?.message || undefined,
    maxConcurrentOperations: spec.maxConcurrentOperations,
    capabilities: {
      memorySnapshots: status.capabilities?.memorySnapshots ?? false,
      quiesce: status.capabilities?.quiesce ?? false,
      maxSnapshotsPerVM: status.capabilities?.maxSnapshotsPerVM,
    },
  };
}

/** `creationTimestamp` is read from the raw metadata: the parsed identity does not carry it. */
export function snapshotView(snapshot: VMSnapshot, creationTimestamp: string | undefined): SnapshotView {
  const { identity, spec, status } = snapshot;
  return {
    namespace: identity.namespace,
    name: identity.name,
    uid: identity.uid,
    generation: identity.generation,
    createdAt: creationTimestamp ? new Date(creationTimestamp) : new Date(0),
    deleting: identity.deleting,
    hasFinalizer: identity.finalizers.includes(SNAPSHOT_FINALIZER),
    spec: {
      vmName: spec.vmName,
      memory: spec.memory,
      quiesce: spec.quiesce,
      description: spec.description,
      deletionPolicy: spec.deletionPolicy,
      failureDeadlineMs: spec.failureDeadlineMs ?? 0,
    },
    status: {
      phase: status.phase,
      snapshotName: status.snapshotName || undefined,
      ...(status.startTime ? { startedAt: new Date(status.startTime) } : {}),
    },
  };
}
