/** How a reconcile ended, as controller-runtime labels `controller_runtime_reconcile_total{result}`. */
export type ReconcileOutcome = 'success' | 'requeue_after' | 'error' | 'terminal_error';

/**
 * What a controller reports, in the shape of controller-runtime's metrics (reconcile_total, reconcile_errors_total,
 * reconcile_time_seconds, active_workers). Calls are synchronous and must not throw.
 */
export interface ControllerMetrics {
  /** One reconcile finished with `outcome` after `seconds`. */
  reconciled(controller: string, outcome: ReconcileOutcome, seconds: number): void;
  /** Workers currently inside a reconcile. */
  activeWorkers(controller: string, count: number): void;
}

export const noopControllerMetrics: ControllerMetrics = {
  reconciled() {},
  activeWorkers() {},
};
