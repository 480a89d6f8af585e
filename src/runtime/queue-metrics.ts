/**
 * What a work queue reports, in the shape of client-go's workqueue metrics (workqueue_depth, workqueue_adds_total,
 * workqueue_retries_total, workqueue_queue_duration_seconds, workqueue_work_duration_seconds). The queue calls
 * these synchronously; an implementation binds them to prom-client (or anything else) and must not throw.
 */
export interface WorkQueueMetrics {
  /** Keys waiting to be handed out (not counting delayed or in-flight keys). */
  depth(value: number): void;
  /** A key was added (also counted when it coalesced with one already waiting). */
  added(): void;
  /** A key was scheduled again after a failure. */
  retried(): void;
  /** Seconds a key waited in the queue before a worker took it. */
  queueLatency(seconds: number): void;
  /** Seconds a worker held a key, from `get` to `done`. */
  workDuration(seconds: number): void;
}

export const noopWorkQueueMetrics: WorkQueueMetrics = {
  depth() {},
  added() {},
  retried() {},
  queueLatency() {},
  workDuration() {},
};
