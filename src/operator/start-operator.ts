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
  VM_SNAPSHOTS,
} from '../controllers/shared/resources.ts';
import { virtualMachineReconciler } from '../controllers/virtualmachine/reconciler.ts';
import { vmSnapshotReconciler } from '../controllers/vmsnapshot/reconciler.ts';
import type { DriverFactory } from '../drivers/port.ts';
import { Controller } from '../runtime/controller.ts';
import { EventRecorder } from '../runtime/events.ts';
import { Informer } from '../runtime/informer.ts';
import { KubeClient } from '../runtime/kube-client.ts';
import type { KubeResource } from '../runtime/kube-object.ts';
import { StatusWriter } from '../runtime/status-writer.ts';
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
}

export interface RunningOperator {
  /** Stops the controllers (waiting for reconciles in flight), the informers and every driver. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts vmsnap's controllers (Hypervisor, VirtualMachine, VMSnapshot) against an API server that already serves
 * the vmsnap CRDs. Resolves once every informer has synced and the workers run.
 */
export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const { kubeConfig, logger } = options;
  const workers = options.workers ?? 4;
  const client = new KubeClient(kubeConfig, { fieldManager: 'vmsnap-operator' });
  const informer = (resource: KubeResource) =>
    new Informer<ApiObject>({ kubeConfig, client, resource, logger });
  const hypervisors = informer(HYPERVISORS);
  const virtualMachines = informer(VIRTUAL_MACHINES);
  const snapshots = informer(VM_SNAPSHOTS);
  const informers = [hypervisors, virtualMachines, snapshots];

  const pool = new DriverPool({ factory: options.driverFactory, readSecret: secretReader(client) });
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
  };
  const common = { logger, workers, resyncIntervalMs: options.resyncIntervalMs };
  // One set of slots per operator: every kind of operation on a hypervisor counts against the same limit.
  const slots = new OperationSlots();

  const controllers = [
    new Controller({
      ...common,
      name: 'hypervisor',
      primary: hypervisors,
      reconcile: hypervisorReconciler(deps),
    }),
    new Controller({
      ...common,
      name: 'virtualmachine',
      primary: virtualMachines,
      reconcile: virtualMachineReconciler(deps),
    })
      .watch(hypervisors, (hv) => vmsOnHypervisor(virtualMachines, hv))
      .watch(snapshots, (snapshot) => vmsOfSnapshot(virtualMachines, snapshot)),
    new Controller({
      ...common,
      name: 'vmsnapshot',
      primary: snapshots,
      reconcile: vmSnapshotReconciler({ ...deps, slots }),
    })
      .watch(virtualMachines, (vm) => snapshotsOfVm(snapshots, vm))
      .watch(hypervisors, (hv) => snapshotsOnHypervisor(virtualMachines, snapshots, hv)),
  ];

  for (const i of informers) i.start();
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await Promise.all(controllers.map((c) => c.stop()));
      await Promise.all(informers.map((i) => i.stop()));
      await pool.close();
      logger.info('operator stopped');
    })();
    return stopped;
  };
  try {
    await Promise.all(controllers.map((c) => c.start()));
  } catch (error) {
    await stop();
    throw error;
  }
  logger.info({ workers }, 'operator started');
  return { stop };
}
