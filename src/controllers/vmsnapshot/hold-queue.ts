import type { ObjectCache } from '../shared/deps.ts';
import type { ApiObject } from '../shared/resources.ts';

/**
 * The snapshots of one VM take its hold one after the other, oldest first (creationTimestamp, then name). When the
 * VM is free, waking only the oldest unfinished one is enough: it takes the hold, or fails at once (a
 * precondition of its own: the Fail step then wakes the next, see SnapshotSteps.fail). Waking all of them, as
 * before, ran N reconciles per release of which N-1 lost the race for the hold (409 Conflict, a retry, a status
 * rewrite): with ten snapshots queued on each of 200 VMs, a few thousand wasted reconciles and writes.
 * Snapshots being deleted are not in this queue (they are woken on every VM change).
 */
export function oldestWaitingForHold(
  snapshots: ObjectCache,
  namespace: string | undefined,
  vmName: string | undefined,
  exceptName?: string,
): ApiObject | undefined {
  let oldest: ApiObject | undefined;
  for (const s of snapshots.list()) {
    if (s.metadata.namespace !== namespace || s.metadata.name === exceptName) continue;
    if (vmNameOf(s) !== vmName || s.metadata.deletionTimestamp) continue;
    const phase = s.status?.phase;
    if (phase === 'Ready' || phase === 'Failed') continue;
    if (oldest === undefined || isOlder(s, oldest)) oldest = s;
  }
  return oldest;
}

function isOlder(a: ApiObject, b: ApiObject): boolean {
  const at = a.metadata.creationTimestamp ?? '';
  const bt = b.metadata.creationTimestamp ?? '';
  // RFC 3339 timestamps in UTC ('Z') sort as strings.
  if (at !== bt) return at < bt;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '');
}

function vmNameOf(snapshot: ApiObject): string | undefined {
  const spec = snapshot.spec as { vmName?: unknown } | undefined;
  return typeof spec?.vmName === 'string' ? spec.vmName : undefined;
}
