import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type Clock, systemClock } from '../runtime/clock.ts';
import type { ControllerMetrics, ReconcileOutcome } from '../runtime/controller-metrics.ts';
import type { WorkQueueMetrics } from '../runtime/queue-metrics.ts';
import { ProcessingClock } from './processing-clock.ts';

/** controller-runtime's reconcile_time_seconds buckets, so existing dashboards' quantiles mean the same here. */
const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
  1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/** client-go's workqueue buckets: 10 ns to 1000 s, by powers of ten. */
const WORKQUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i);

/** The `result` label values controller-runtime writes (a terminal error is an `error` result too). */
const RESULTS = ['success', 'error', 'requeue', 'requeue_after'] as const;

/** What one controller's Controller and WorkQueue report to; see `ControllerRuntimeMetrics.forController`. */
export interface ControllerMetricsBinding {
  controller: ControllerMetrics;
  queue: WorkQueueMetrics;
}

/**
 * controller-runtime's and client-go's metrics (names, labels, buckets) on a given registry, fed through the
 * runtime's hook interfaces. Every controller registers once through `forController`, which also writes its label
 * sets at zero, as controller-runtime does, so dashboards and alerts see a series before the first reconcile.
 */
export class ControllerRuntimeMetrics {
  readonly #clock: Clock;
  readonly #reconcileTotal: Counter<'controller' | 'result'>;
  readonly #reconcileErrors: Counter<'controller'>;
  readonly #terminalErrors: Counter<'controller'>;
  readonly #reconcileTime: Histogram<'controller'>;
  readonly #activeWorkers: Gauge<'controller'>;
  readonly #maxConcurrent: Gauge<'controller'>;
  readonly #depth: Gauge<'name' | 'controller'>;
  readonly #adds: Counter<'name' | 'controller'>;
  readonly #retries: Counter<'name' | 'controller'>;
  readonly #queueDuration: Histogram<'name' | 'controller'>;
  readonly #workDuration: Histogram<'name' | 'controller'>;
  readonly #processing = new Map<string, ProcessingClock>();

  /** `clock` must be the one the work queues use: in-flight times are measured against it. */
  constructor(registry: Registry, options: { clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
    const registers = [registry];
    const queueLabels = ['name', 'controller'] as const;
    this.#reconcileTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.#reconcileErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.#terminalErrors = new Counter({
      name: 'controller_runtime_terminal_reconcile_errors_total',
      help: 'Total number of terminal reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.#reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: RECONCILE_BUCKETS,
      registers,
    });
    this.#activeWorkers = new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames: ['controller'],
      registers,
    });
    this.#maxConcurrent = new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: ['controller'],
      registers,
    });
    this.#depth = new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: queueLabels,
      registers,
    });
    this.#adds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: queueLabels,
      registers,
    });
    this.#retries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: queueLabels,
      registers,
    });
    this.#queueDuration = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: queueLabels,
      buckets: WORKQUEUE_BUCKETS,
      registers,
    });
    this.#workDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes',
      labelNames: queueLabels,
      buckets: WORKQUEUE_BUCKETS,
      registers,
    });
    const processing = this.#processing;
    const clock = this.#clock;
    new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running',
      labelNames: queueLabels,
      registers,
      collect() {
        const now = clock.now();
        for (const [name, tracker] of processing) {
          this.set({ name, controller: name }, tracker.longestRunningSeconds(now));
        }
      },
    });
    new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help:
        'How many seconds of work has been done that is in progress and has not been observed by ' +
        'work_duration. Large values indicate stuck threads.',
      labelNames: queueLabels,
      registers,
      collect() {
        const now = clock.now();
        for (const [name, tracker] of processing) {
          this.set({ name, controller: name }, tracker.unfinishedSeconds(now));
        }
      },
    });
  }

  /**
   * The hooks for the controller named `name` (its Controller's `metrics` and its WorkQueue's `metrics`).
   * Call once per controller; `workers` is reported as controller_runtime_max_concurrent_reconciles.
   */
  forController(name: string, options: { workers?: number } = {}): ControllerMetricsBinding {
    if (this.#processing.has(name)) throw new Error(`metrics: controller "${name}" registered twice`);
    const tracker = new ProcessingClock();
    this.#processing.set(name, tracker);
    const labels = { name, controller: name };
    for (const result of RESULTS) this.#reconcileTotal.inc({ controller: name, result }, 0);
    this.#reconcileErrors.inc({ controller: name }, 0);
    this.#terminalErrors.inc({ controller: name }, 0);
    this.#activeWorkers.set({ controller: name }, 0);
    this.#maxConcurrent.set({ controller: name }, options.workers ?? 1);
    this.#depth.set(labels, 0);
    this.#adds.inc(labels, 0);
    this.#retries.inc(labels, 0);

    const controller: ControllerMetrics = {
      reconciled: (controllerName, outcome, seconds) => this.#reconciled(controllerName, outcome, seconds),
      activeWorkers: (controllerName, count) =>
        this.#activeWorkers.set({ controller: controllerName }, count),
    };
    const clock = this.#clock;
    const queue: WorkQueueMetrics = {
      depth: (value) => this.#depth.set(labels, value),
      added: () => this.#adds.inc(labels),
      retried: () => this.#retries.inc(labels),
      queueLatency: (seconds) => {
        tracker.started(clock.now());
        this.#queueDuration.observe(labels, seconds);
      },
      workDuration: (seconds) => {
        tracker.finished(clock.now(), seconds);
        this.#workDuration.observe(labels, seconds);
      },
    };
    return { controller, queue };
  }

  #reconciled(controller: string, outcome: ReconcileOutcome, seconds: number): void {
    this.#reconcileTime.observe({ controller }, seconds);
    switch (outcome) {
      case 'success':
        this.#reconcileTotal.inc({ controller, result: 'success' });
        break;
      case 'requeue_after':
        this.#reconcileTotal.inc({ controller, result: 'requeue_after' });
        break;
      case 'terminal_error':
        // controller-runtime counts a terminal error as an error result, plus in its own counter.
        this.#terminalErrors.inc({ controller });
        this.#reconcileErrors.inc({ controller });
        this.#reconcileTotal.inc({ controller, result: 'error' });
        break;
      case 'error':
        this.#reconcileErrors.inc({ controller });
        this.#reconcileTotal.inc({ controller, result: 'error' });
        break;
    }
  }
}
