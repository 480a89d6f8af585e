import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { hypervisorReconciler } from '../controllers/hypervisor/reconciler.ts';
import type { ControllerDeps } from '../controllers/shared/deps.ts';
import { DriverPool } from '../controllers/shared/driver-pool.ts';
import { OperationSlots } from '../controllers/shared/operation-slots.ts';
import {
  type ApiObject,
  HYPERVISORS,
  VIRTUAL_MACHINES,
  VM_REVERTS,
  VM_SNAPSHOTS,
} from '../controllers/shared/resources.ts';
import { VMSnapshotTaskJournal } from '../controllers/shared/vmsnapshot-task-journal.ts';
import { virtualMachineReconciler } from '../controllers/virtualmachine/reconciler.ts';
import { registerRevertController, vmsHeldByRevert } from '../controllers/vmrevert/register.ts';
import { vmSnapshotReconciler } from '../controllers/vmsnapshot/reconciler.ts';
import { registerScheduleController } from '../controllers/vmsnapshotschedule/register.ts';
import { VM_SNAPSHOT_SCHEDULES } from '../controllers/vmsnapshotschedule/resources.ts';
import type { DriverFactory } from '../drivers/port.ts';
import type { OperatorMetrics } from '../observability/metrics.ts';
import { Controller } from '../runtime/controller.ts';
import { EventRecorder } from '../runtime/events.ts';
import { Informer } from '../runtime/informer.ts';
import { KubeClient } from '../runtime/kube-client.ts';
import type { KubeResource } from '../runtime/kube-object.ts';
import { objectKey } from '../runtime/object-key.ts';
import { StatusWriter } from '../runtime/status-writer.ts';
import { WorkQueue } from '../runtime/work-queue.ts';
import { ObservedOperationSlots } from './observed-slots.ts';
import { secretReader } from './secrets.ts';
import { snapshotsOfVm, snapshotsOnHypervisor, vmsOfSnapshot, vmsOnHypervisor } from './watch-maps.ts';

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** Builds a driver for a Hypervisor's connection (src/drivers/factory.ts in production; a sim in tests). */
  driverFactory: DriverFactory;
  /**
   * Reconciles at once per controller (default 4). Snapshot operations on different VMs run in parallel up to
   * this, and each hypervisor's maxConcurrentOperations bounds them further.
   */
  workers?: number;
  /** Every primary key is enqueued this often, because watches can miss changes (default 10 minutes). */
  resyncIntervalMs?: number;
  /** Names this replica in Events (default: the host name). */
  reportingInstance?: string;
  /** Wall-clock time for conditions, holds and deadlines. */
  now?: () => Date;
  /** Where the controllers, queues and vmsnap's reconcilers report (served on /metrics); none when absent. */
  metrics?: OperatorMetrics;
  /**
   * Which controllers to run (default: all). Tests that drive one controller themselves, to crash it on its own,
   * leave it out here so that exactly one instance runs.
   */
  controllers?: readonly ControllerName[];
}

export interface RunningOperator {
  /** Stops the controllers (waiting for reconciles in flight), the informers and every driver. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The operator with its informers running and its controllers not (yet): what every replica runs, leader or
 * standby. A standby is Ready once its informers synced; otherwise a rollout with maxUnavailable 0 would wait
 * forever for a replica that is not the leader.
 */
export interface PreparedOperator {
  /** Whether every informer has listed once (the /readyz answer). */
  synced(): boolean;
  /**
   * Starts the controllers (on leadership); resolves once every informer has synced and the workers run. At most
   * once per process: a replica that lost leadership exits and restarts as a standby, as controller-runtime's do.
   */
  startControllers(): Promise<void>;
  /**
   * Stops taking work and resolves once every reconcile in flight has returned (a hypervisor call in flight is
   * allowed to finish). The informers keep running. Idempotent; does nothing before `startControllers`.
   */
  stopControllers(): Promise<void>;
  /** Stops the controllers (waiting as above), the informers and every driver. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts vmsnap's controllers (Hypervisor, VirtualMachine, VMSnapshot, VMRevert, VMSnapshotSchedule) against an API server that already serves
 * the vmsnap CRDs. Resolves once every informer has synced and the workers run.
 */
export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const prepared = prepareOperator(options);
  try {
    await prepared.startControllers();
  } catch (error) {
    await prepared.stop();
    throw error;
  }
  return { stop: () => prepared.stop() };
}

/** Starts the informers of every vmsnap controller; see PreparedOperator for the rest of the lifecycle. */
export function prepareOperator(options: OperatorOptions): PreparedOperator {
  const { kubeConfig, logger, metrics } = options;
  const workers = options.workers ?? 4;
  const client = new KubeClient(kubeConfig, { fieldManager: 'vmsnap-operator' });
  const informer = (resource: KubeResource) =>
    new Informer<ApiObject>({ kubeConfig, client, resource, logger });
  const hypervisors = informer(HYPERVISORS);
  const virtualMachines = informer(VIRTUAL_MACHINES);
  const snapshots = informer(VM_SNAPSHOTS);
  const reverts = informer(VM_REVERTS);
  const schedules = informer(VM_SNAPSHOT_SCHEDULES);
  const informers = [hypervisors, virtualMachines, snapshots, reverts, schedules];
  const enabled = new Set<ControllerName>(options.controllers ?? CONTROLLER_NAMES);

  const pool = new DriverPool({
    factory: options.driverFactory,
    readSecret: secretReader(client),
    // vSphere's snapshot tasks outlive a killed operator: their ids are kept on the VMSnapshot until they end.
    context: { snapshotTaskJournal: new VMSnapshotTaskJournal(client, snapshots) },
  });
  const deps: ControllerDeps = {
    client,
    statusWriter: new StatusWriter(client),
    pool,
    events: new EventRecorder({
      client,
      logger: logger.child({ component: 'events' }),
      reportingInstance: options.reportingInstance ?? hostname(),
    }),
    hypervisors,
    virtualMachines,
    snapshots,
    now: options.now ?? (() => new Date()),
    ...(metrics ? { metrics: metrics.vmsnap } : {}),
  };
  // One set of slots per operator: every kind of operation on a hypervisor counts against the same limit.
  const slots = metrics ? new ObservedOperationSlots(metrics.vmsnap) : new OperationSlots();
  // Registered now, so a standby serves every controller's series at zero before it ever leads.
  const bindings = new Map(
    CONTROLLER_NAMES.map((name) => [name, metrics?.controllers.forController(name, { workers })]),
  );
  const common = (name: ControllerName) => {
    const binding = bindings.get(name);
    return {
      name,
      logger,
      workers,
      resyncIntervalMs: options.resyncIntervalMs,
      ...(binding ? { metrics: binding.controller, queue: new WorkQueue({ metrics: binding.queue }) } : {}),
    };
  };

  // Built on leadership, not before: a Controller subscribes to its sources (and queues keys) when constructed.
  // Each comes with the informer of its primary kind, whose objects a new leader enqueues once.
  const buildControllers = (): Array<[Controller<ApiObject>, Informer<ApiObject>]> => {
    const all: Record<ControllerName, () => [Controller<ApiObject>, Informer<ApiObject>]> = {
      hypervisor: () => [
        new Controller({
          ...common('hypervisor'),
          primary: hypervisors,
          reconcile: hypervisorReconciler(deps),
        }),
        hypervisors,
      ],
      virtualmachine: () => [
        new Controller({
          ...common('virtualmachine'),
          primary: virtualMachines,
          reconcile: virtualMachineReconciler(deps),
        })
          .watch(hypervisors, (hv) => vmsOnHypervisor(virtualMachines, hv))
          .watch(snapshots, (snapshot) => vmsOfSnapshot(virtualMachines, snapshot))
          .watch(reverts, (revert) => vmsHeldByRevert(virtualMachines, revert)),
        virtualMachines,
      ],
      vmsnapshot: () => {
        // Late-bound: the reconciler is built before the controller whose queue it wakes (slot waiters).
        let controller: Controller<ApiObject> | undefined;
        const wake = (key: string) => controller?.enqueue(key);
        controller = new Controller({
          ...common('vmsnapshot'),
          primary: snapshots,
          reconcile: vmSnapshotReconciler({ ...deps, slots, wake }),
        })
          .watch(virtualMachines, (vm) => snapshotsOfVm(snapshots, vm))
          .watch(hypervisors, (hv) => snapshotsOnHypervisor(virtualMachines, snapshots, hv));
        return [controller, snapshots];
      },
      vmrevert: () => [
        registerRevertController({
          ...common('vmrevert'),
          deps,
          slots,
          reverts,
          virtualMachines,
          snapshots,
          hypervisors,
        }),
        reverts,
      ],
      vmsnapshotschedule: () => [
        registerScheduleController({
          ...common('vmsnapshotschedule'),
          deps,
          schedules,
          virtualMachines,
          snapshots,
          reverts,
        }),
        schedules,
      ],
    };
    return CONTROLLER_NAMES.filter((name) => enabled.has(name)).map((name) => all[name]());
  };

  for (const i of informers) i.start();
  let controllers: Array<Controller<ApiObject>> | undefined;
  let controllersStopped: Promise<void> | undefined;
  const stopControllers = () => {
    controllersStopped ??= (async () => {
      if (!controllers) return;
      await Promise.all(controllers.map((c) => c.stop()));
      logger.info('controllers stopped');
    })();
    return controllersStopped;
  };
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await stopControllers();
      await Promise.all(informers.map((i) => i.stop()));
      await pool.close();
      logger.info('operator stopped');
    })();
    return stopped;
  };
  const startControllers = async () => {
    if (controllers) throw new Error('operator: the controllers were already started once in this process');
    if (controllersStopped) return;
    const started = buildControllers();
    controllers = started.map(([controller]) => controller);
    // The informers listed before these controllers subscribed, so their adds were not seen: enqueue every
    // primary object now, as a new leader must look at everything once (the queue drops duplicates).
    for (const [controller, primary] of started) {
      for (const obj of primary.list()) controller.enqueue(objectKey(obj));
    }
    await Promise.all(controllers.map((c) => c.start()));
    logger.info({ workers }, 'operator started');
  };
  return {
    synced: () => informers.every((i) => i.hasSynced()),
    startControllers,
    stopControllers,
    stop,
  };
}

export const CONTROLLER_NAMES = [
  'hypervisor',
  'virtualmachine',
  'vmsnapshot',
  'vmrevert',
  'vmsnapshotschedule',
] as const;
export type ControllerName = (typeof CONTROLLER_NAMES)[number];
