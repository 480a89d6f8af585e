import type { Logger } from 'pino';
import { Controller } from '../../runtime/controller.ts';
import type { ControllerMetrics } from '../../runtime/controller-metrics.ts';
import { objectKey } from '../../runtime/object-key.ts';
import type { Source } from '../../runtime/source.ts';
import type { WorkQueue } from '../../runtime/work-queue.ts';
import type { ControllerDeps, ObjectCache } from '../shared/deps.ts';
import type { OperationSlots } from '../shared/operation-slots.ts';
import type { ApiObject } from '../shared/resources.ts';
import { vmRevertReconciler } from './reconciler.ts';
import { revertsOfSnapshot, revertsOfVm, revertsOnHypervisor } from './watch-maps.ts';

export interface RevertControllerOptions {
  deps: ControllerDeps;
  /** The same OperationSlots the VMSnapshot controller uses: maxConcurrentOperations counts both kinds. */
  slots: OperationSlots;
  /** The VMRevert informer (primary). */
  reverts: Source<ApiObject> & ObjectCache;
  virtualMachines: Source<ApiObject> & ObjectCache;
  snapshots: Source<ApiObject> & ObjectCache;
  hypervisors: Source<ApiObject>;
  logger: Logger;
  workers?: number | undefined;
  resyncIntervalMs?: number | undefined;
  metrics?: ControllerMetrics | undefined;
  queue?: WorkQueue | undefined;
}

/**
 * The VMRevert controller, wired to wake a revert when its VM (hold released, phase observed), its snapshot
 * (Ready) or its Hypervisor (Ready) changes. The caller starts and stops it with the other controllers.
 */
export function registerRevertController(options: RevertControllerOptions): Controller<ApiObject> {
  const { reverts, virtualMachines, snapshots, hypervisors } = options;
  return new Controller<ApiObject>({
    name: 'vmrevert',
    primary: reverts,
    reconcile: vmRevertReconciler({ ...options.deps, slots: options.slots }),
    logger: options.logger,
    workers: options.workers,
    resyncIntervalMs: options.resyncIntervalMs,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.queue ? { queue: options.queue } : {}),
  })
    .watch(virtualMachines, (vm) => revertsOfVm(reverts, snapshots, vm))
    .watch(snapshots, (snapshot) => revertsOfSnapshot(reverts, snapshot))
    .watch(hypervisors, (hv) => revertsOnHypervisor(reverts, snapshots, virtualMachines, hv));
}

/**
 * For the VirtualMachine controller: the VMs whose hold names a changed VMRevert, so a hold left by a VMRevert
 * that is gone (its finalizer removed by hand) is released at once rather than at the next observation.
 */
export function vmsHeldByRevert(vms: ObjectCache, revert: ApiObject): string[] {
  const { namespace, uid } = revert.metadata;
  return vms
    .list()
    .filter((vm) => {
      const hold = vm.status?.hold as { holder?: { kind?: unknown; uid?: unknown } } | undefined;
      return (
        vm.metadata.namespace === namespace && hold?.holder?.kind === 'VMRevert' && hold.holder.uid === uid
      );
    })
    .map(objectKey);
}
