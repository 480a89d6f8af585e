import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Clock } from '../runtime/clock.ts';
import type { LeaderElectionMetrics } from '../runtime/leader-election.ts';
import { ControllerRuntimeMetrics } from './controller-runtime-metrics.ts';
import { VmsnapMetrics } from './vmsnap-metrics.ts';

export interface OperatorMetricsOptions {
  /** The work queues' clock (monotonic); default the system clock. */
  clock?: Clock;
  /** Wall-clock time, for hold ages; default `new Date()`. */
  now?: () => Date;
  /** Node.js process metrics (CPU, memory, event loop lag, ...): default true; tests turn them off. */
  processMetrics?: boolean;
}

/**
 * Every metric one operator process serves, on its own Registry (never prom-client's global one, so two operators
 * in one process, as in tests, do not share or clash):
 * - `controllers.forController(name, { workers })`: hooks for a Controller and its WorkQueue;
 * - `vmsnap`: the methods the vmsnap controllers call;
 * - `leaderElection`: the LeaderElector's hook (controller-runtime's leader_election_master_status).
 */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly controllers: ControllerRuntimeMetrics;
  readonly vmsnap: VmsnapMetrics;
  readonly leaderElection: LeaderElectionMetrics;

  constructor(options: OperatorMetricsOptions = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.controllers = new ControllerRuntimeMetrics(this.registry, { clock: options.clock });
    this.vmsnap = new VmsnapMetrics(this.registry, { now: options.now });
    const leading = new Gauge({
      name: 'leader_election_master_status',
      help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master',
      labelNames: ['name'],
      registers: [this.registry],
    });
    this.leaderElection = { leading: (name, isLeader) => leading.set({ name }, isLeader ? 1 : 0) };
  }
}
