import { type KubeConfig, type KubernetesObject, Watch } from '@kubernetes/client-node';

export interface ObservedEvent {
  /** performance.now() when the event arrived. */
  at: number;
  type: string;
  object: KubernetesObject & { status?: Record<string, unknown>; spec?: Record<string, unknown> };
}

/**
 * One client-node watch on a collection, kept open for a whole benchmark: every event is timestamped on
 * arrival, and callers wait for the first event (after a point in time) that matches a predicate. Waiting on a
 * watch, not polling, is how a user's tooling (kubectl wait, Argo, Flux) observes readiness.
 */
export class EventStream {
  readonly events: ObservedEvent[] = [];
  private readonly waiters = new Set<{ test(e: ObservedEvent): boolean; resolve(e: ObservedEvent): void }>();
  private abort: AbortController | undefined;
  private failure: unknown;

  static async open(kubeConfig: KubeConfig, path: string): Promise<EventStream> {
    const stream = new EventStream();
    stream.abort = await new Watch(kubeConfig).watch(
      path,
      { allowWatchBookmarks: false },
      (type, object) => stream.push({ at: performance.now(), type, object }),
      (error) => {
        stream.failure = error ?? new Error(`watch on ${path} ended`);
      },
    );
    return stream;
  }

  private push(event: ObservedEvent): void {
    this.events.push(event);
    for (const waiter of this.waiters) {
      if (waiter.test(event)) {
        this.waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  }

  /** The first event at or after `since` matching `test` (already seen or still to come). */
  next(test: (e: ObservedEvent) => boolean, since: number, timeoutMs = 120_000): Promise<ObservedEvent> {
    const seen = this.events.find((e) => e.at >= since && test(e));
    if (seen) return Promise.resolve(seen);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const waiter = { test: (e: ObservedEvent) => e.at >= since && test(e), resolve };
      this.waiters.add(waiter);
      setTimeout(() => {
        if (this.waiters.delete(waiter)) reject(new Error(`no matching watch event within ${timeoutMs} ms`));
      }, timeoutMs).unref();
    });
  }

  close(): void {
    this.abort?.abort();
  }
}
