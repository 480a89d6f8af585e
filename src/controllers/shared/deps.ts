import type { EventRecorder } from '../../runtime/events.ts';
import type { KubeClient } from '../../runtime/kube-client.ts';
import type { StatusWriter } from '../../runtime/status-writer.ts';
import type { DriverPool } from './driver-pool.ts';
import type { ApiObject } from './resources.ts';

/** The read side of an informer: what reconcilers look up without a request. */
export interface ObjectCache<T = ApiObject> {
  get(namespace: string | undefined, name: string): T | undefined;
  list(): readonly T[];
}

/** What every vmsnap reconciler works with. One set per operator; nothing global. */
export interface ControllerDeps {
  client: KubeClient;
  statusWriter: StatusWriter;
  pool: DriverPool;
  events: EventRecorder;
  hypervisors: ObjectCache;
  virtualMachines: ObjectCache;
  snapshots: ObjectCache;
  /** Wall-clock time for conditions, holds and deadlines (tests may pin it). */
  now: () => Date;
  /** vmsnap's own metrics (src/observability/vmsnap-metrics.ts); absent in tests that do not measure. */
  metrics?: OperationMetrics;
}

/** A finished snapshot or revert, as vmsnap_snapshot_duration_seconds / vmsnap_revert_duration_seconds count it. */
export interface OperationTiming {
  /** The Hypervisor's spec.driver. */
  driver: string;
  memory: boolean;
  seconds: number;
}

/** What the reconcilers report; synchronous and never throwing (VmsnapMetrics implements it). */
export interface OperationMetrics {
  /** Level-based, from every VirtualMachine reconcile: when `vmKey`'s hold began, or undefined when it is free. */
  observeHold(vmKey: string, since: string | undefined): void;
  snapshotTaken(timing: OperationTiming): void;
  revertCompleted(timing: OperationTiming): void;
}

/** Seconds from an RFC 3339 start (a hold's since, a revert's startTime) to `end`; 0 when unknown or negative. */
export function secondsSince(start: string | undefined, end: Date): number {
  const started = start === undefined ? Number.NaN : Date.parse(start);
  return Number.isFinite(started) ? Math.max(0, (end.getTime() - started) / 1000) : 0;
}
