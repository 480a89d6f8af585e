import { coreEventType } from '../builtins/event.ts';
import type { InternalClient } from '../http/internal-client.ts';
import type { KubeObject } from '../types.ts';

/** kube-apiserver's default --event-ttl. */
export const DEFAULT_EVENT_TTL_MS = 60 * 60 * 1000;

/**
 * When an Event was last written: kube's TTL is an etcd lease renewed by every write, so it counts from the
 * newest of creationTimestamp and the managedFields times (every write through the handler stamps one).
 */
function lastWritten(event: KubeObject): number {
  const stamps = [
    event.metadata.creationTimestamp,
    ...(event.metadata.managedFields ?? []).map((m) => m.time),
  ];
  const times = stamps.map((s) => (s ? Date.parse(s) : Number.NaN)).filter((t) => !Number.isNaN(t));
  return times.length > 0 ? Math.max(...times) : 0;
}

/**
 * Deletes Events not written for `ttlMs`, as kube-apiserver's event TTL does, so controllers that report
 * continuously do not grow the store without bound. Returns how many were deleted.
 */
export function sweepExpiredEvents(internal: InternalClient, now: Date, ttlMs: number): number {
  let deleted = 0;
  for (const event of internal.list(coreEventType).items) {
    if (now.getTime() - lastWritten(event) < ttlMs) continue;
    try {
      internal.delete(coreEventType, event.metadata.namespace ?? '', event.metadata.name ?? '');
      deleted++;
    } catch {
      // Already gone (a concurrent delete): nothing to do.
    }
  }
  return deleted;
}
