import type { Logger } from 'pino';
import type { LabelSelector } from '../../api/index.ts';
import { SCHEDULE_LABEL } from '../../api/vm-snapshot-schedule.ts';
import { Controller } from '../../runtime/controller.ts';
import type { ControllerMetrics } from '../../runtime/controller-metrics.ts';
import { objectKey } from '../../runtime/object-key.ts';
import type { Source } from '../../runtime/source.ts';
import type { WorkQueue } from '../../runtime/work-queue.ts';
import { labelValueFor } from '../../schedule/names.ts';
import type { ObjectCache } from '../shared/deps.ts';
import type { ApiObject } from '../shared/resources.ts';
import { type ScheduleDeps, vmSnapshotScheduleReconciler } from './reconciler.ts';
import { labelsMatch } from './select-vms.ts';

export interface ScheduleControllerOptions {
  deps: Omit<ScheduleDeps, 'virtualMachines' | 'snapshots' | 'reverts'>;
  /** The VMSnapshotSchedule informer (primary). */
  schedules: Source<ApiObject> & ObjectCache;
  virtualMachines: Source<ApiObject> & ObjectCache;
  snapshots: Source<ApiObject> & ObjectCache;
  reverts: Source<ApiObject> & ObjectCache;
  logger: Logger;
  workers?: number | undefined;
  resyncIntervalMs?: number | undefined;
  metrics?: ControllerMetrics | undefined;
  queue?: WorkQueue | undefined;
}

/**
 * The VMSnapshotSchedule controller, woken by its own changes, by its snapshots' changes (Forbid waits for them,
 * retention counts them), by the VMs it selects (one may join the selection, a held one be released) and by
 * reverts (a finished one stops protecting a snapshot). Between changes it requeues itself for the next run.
 * startOperator starts it with the other controllers.
 */
export function registerScheduleController(options: ScheduleControllerOptions): Controller<ApiObject> {
  const { schedules, virtualMachines, snapshots, reverts } = options;
  return new Controller<ApiObject>({
    name: 'vmsnapshotschedule',
    primary: schedules,
    reconcile: vmSnapshotScheduleReconciler({ ...options.deps, virtualMachines, snapshots, reverts }),
    logger: options.logger,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.resyncIntervalMs === undefined ? {} : { resyncIntervalMs: options.resyncIntervalMs }),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.queue ? { queue: options.queue } : {}),
  })
    .watch(snapshots, (snapshot) => schedulesOfSnapshot(schedules, snapshot))
    .watch(virtualMachines, (vm) => schedulesSelecting(schedules, vm))
    .watch(reverts, (revert) => schedulesInNamespace(schedules, revert.metadata.namespace));
}

/** The schedule whose label the snapshot carries (compared as label values: long names are hashed). */
export function schedulesOfSnapshot(schedules: ObjectCache, snapshot: ApiObject): string[] {
  const label = snapshot.metadata.labels?.[SCHEDULE_LABEL];
  if (label === undefined) return [];
  return schedules
    .list()
    .filter(
      (s) =>
        s.metadata.namespace === snapshot.metadata.namespace &&
        labelValueFor(s.metadata.name ?? '') === label,
    )
    .map(objectKey);
}

/**
 * The schedules in the VM's namespace that select it now (by name or label; one whose target cannot be read is
 * woken too, so its reconcile reports the problem). Not every schedule in the namespace: a VM's status changes
 * several times per snapshot (hold taken, released, current snapshot), and waking all 100 schedules of a
 * namespace for each made them 7 reconciles per snapshot (bench/schedule-scale-sim.ts). A VM that leaves a
 * schedule's selection does not wake it; that schedule simply does not select it at its next reconcile.
 */
export function schedulesSelecting(schedules: ObjectCache, vm: ApiObject): string[] {
  const name = vm.metadata.name ?? '';
  const labels = vm.metadata.labels ?? {};
  return schedules
    .list()
    .filter((s) => s.metadata.namespace === vm.metadata.namespace && targets(s, name, labels))
    .map(objectKey);
}

function targets(schedule: ApiObject, vmName: string, labels: Readonly<Record<string, string>>): boolean {
  const spec = schedule.spec as { vmNames?: unknown; selector?: unknown } | undefined;
  if (Array.isArray(spec?.vmNames)) return spec.vmNames.includes(vmName);
  if (typeof spec?.selector === 'object' && spec.selector !== null) {
    return labelsMatch(spec.selector as LabelSelector, labels);
  }
  return true;
}

export function schedulesInNamespace(schedules: ObjectCache, namespace: string | undefined): string[] {
  return schedules
    .list()
    .filter((s) => s.metadata.namespace === namespace)
    .map(objectKey);
}
