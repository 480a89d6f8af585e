import type { VMSnapshot, VMSnapshotStatusWire } from '../../api/vm-snapshot.ts';
import { type Condition, type ReadyState, readyConditions, setConditions } from '../../runtime/conditions.ts';
import type { StatusWriter } from '../../runtime/status-writer.ts';
import { type ApiObject, VM_SNAPSHOTS } from '../shared/resources.ts';

export type SnapshotStatus = VMSnapshotStatusWire & { conditions: Condition[] };

/** A copy of the snapshot's status that the step may change; observedGeneration is this generation. */
export function copySnapshotStatus(snapshot: VMSnapshot): SnapshotStatus {
  return {
    ...snapshot.status,
    observedGeneration: snapshot.identity.generation,
    conditions: snapshot.status.conditions.map((c) => ({ ...c })),
  };
}

/** Sets Ready/Reconciling/Stalled (kstatus) for `state`, stamped with the snapshot's generation. */
export function setReadyState(
  status: SnapshotStatus,
  state: ReadyState,
  reason: string,
  message: string,
  generation: number,
  now: Date,
): void {
  setConditions(
    status.conditions,
    readyConditions(state, { reason, message, observedGeneration: generation }),
    now,
  );
}

/**
 * Merge-patches the status when it changed (StatusWriter skips no-op writes); returns the object to diff the next
 * write of this reconcile against. The VMSnapshot's status has one writer, this controller, so no guard is needed.
 */
export async function writeSnapshotStatus(
  writer: StatusWriter,
  current: ApiObject,
  status: SnapshotStatus,
): Promise<ApiObject> {
  const result = await writer.patch(VM_SNAPSHOTS, current, status as unknown as Record<string, unknown>);
  return result.object;
}

/** RFC 3339 in whole seconds, as Kubernetes writes times. */
export function rfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
