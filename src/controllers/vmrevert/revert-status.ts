import type { VMRevert, VMRevertStatusWire } from '../../api/vm-revert.ts';
import { type Condition, type ReadyState, readyConditions, setConditions } from '../../runtime/conditions.ts';
import type { StatusWriter } from '../../runtime/status-writer.ts';
import { type ApiObject, VM_REVERTS } from '../shared/resources.ts';

export type RevertStatus = VMRevertStatusWire & { conditions: Condition[] };

/** A copy of the revert's status that a step may change; observedGeneration is this generation. */
export function copyRevertStatus(revert: VMRevert): RevertStatus {
  const { status } = revert;
  return {
    ...status,
    ...(status.steps ? { steps: [...status.steps] } : {}),
    ...(status.completedSteps ? { completedSteps: [...status.completedSteps] } : {}),
    observedGeneration: revert.identity.generation,
    conditions: status.conditions.map((c) => ({ ...c })),
  };
}

/** Sets Ready/Reconciling/Stalled (kstatus) for `state`, stamped with the revert's generation. */
export function setRevertState(
  status: RevertStatus,
  state: ReadyState,
  reason: string,
  message: string,
  now: Date,
): void {
  const observedGeneration = status.observedGeneration;
  setConditions(
    status.conditions,
    readyConditions(state, {
      reason,
      message,
      ...(observedGeneration === undefined ? {} : { observedGeneration }),
    }),
    now,
  );
}

/**
 * Merge-patches the status when it changed (StatusWriter skips no-op writes); returns the object to diff the next
 * write of this reconcile against. The VMRevert's status has one writer, this controller, so no guard is needed.
 */
export async function writeRevertStatus(
  writer: StatusWriter,
  current: ApiObject,
  status: RevertStatus,
): Promise<ApiObject> {
  const result = await writer.patch(VM_REVERTS, current, status as unknown as Record<string, unknown>);
  return result.object;
}

/** RFC 3339 in whole seconds, as Kubernetes writes times. */
export function rfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
