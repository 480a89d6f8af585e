import type { Logger } from 'pino';
import type { IndexableSource } from '../../runtime/cache-index.ts';
import { Controller } from '../../runtime/controller.ts';
import type { ControllerMetrics } from '../../runtime/controller-metrics.ts';
import type { WorkQueue } from '../../runtime/work-queue.ts';
import type { ObjectCache } from '../shared/deps.ts';
import type { ApiObject } from '../shared/resources.ts';
import { scheduleIndexes } from './indexes.ts';
import { type ScheduleDeps, vmSnapshotScheduleReconciler } from './reconciler.ts';
import { schedulesForRevertChange, schedulesForSnapshotChange, schedulesForVmChange } from './watch-maps.ts';

export interface ScheduleControllerOptions {
  deps: Omit<ScheduleDeps, 'virtualMachines' | 'indexes'>;
  /** The VMSnapshotSchedule informer (primary). */
  schedules: IndexableSource<ApiObject>;
  virtualMachines: IndexableSource<ApiObject> & ObjectCache;
  snapshots: IndexableSource<ApiObject>;
  reverts: IndexableSource<ApiObject>;
  logger: Logger;
  workers?: number | undefined;
  resyncIntervalMs?: number | undefined;
  metrics?: ControllerMetrics | undefined;
  queue?: WorkQueue | undefined;
}

/**
 * The VMSnapshotSchedule controller, woken by its own changes, by its snapshots finishing or going (Forbid waits
 * for them, retention counts them), by the VMs it selects (one may join or leave the selection, a held one be
 * released) and by reverts that stop protecting a snapshot (watch-maps.ts says exactly which changes). Between
 * changes it requeues itself for the next run. startOperator starts it with the other controllers.
 *
 * It builds indexes over the informers (indexes.ts) that follow them for the life of the process, as the
 * informers themselves do: the operator builds its controllers once.
 */
export function registerScheduleController(options: ScheduleControllerOptions): Controller<ApiObject> {
  const { schedules, virtualMachines, snapshots, reverts } = options;
  const indexes = scheduleIndexes({ schedules, virtualMachines, snapshots, reverts });
  return new Controller<ApiObject>({
    name: 'vmsnapshotschedule',
    primary: schedules,
    reconcile: vmSnapshotScheduleReconciler({ ...options.deps, virtualMachines, indexes }),
    logger: options.logger,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.resyncIntervalMs === undefined ? {} : { resyncIntervalMs: options.resyncIntervalMs }),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.queue ? { queue: options.queue } : {}),
  })
    .watch(snapshots, (snapshot, change, previous) =>
      schedulesForSnapshotChange(indexes, snapshot, change, previous),
    )
    .watch(virtualMachines, (vm, change, previous) => schedulesForVmChange(indexes, vm, change, previous))
    .watch(reverts, (revert, change, previous) =>
      schedulesForRevertChange(indexes, revert, change, previous),
    );
}
