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
}
