import { type ApiObject, VM_SNAPSHOTS } from '../../../src/controllers/shared/resources.ts';
import type { OperatorEnv } from './operator-env.ts';
import { StatusLog, statusAndConditions } from './status-log.ts';

export interface SeenSnapshotStatus {
  name: string;
  phase: unknown;
  /** The Ready condition's reason, e.g. WaitingForSlot. */
  readyReason: string | undefined;
  /** The Stalled condition's status ("True", "False") or undefined. */
  stalled: string | undefined;
}

/** Every VMSnapshot status a watch delivers. */
export type SnapshotConditionLog = StatusLog<SeenSnapshotStatus>;

export const SnapshotConditionLog = {
  start: (env: OperatorEnv): Promise<SnapshotConditionLog> =>
    StatusLog.start(env, VM_SNAPSHOTS, seenSnapshot),
};

function seenSnapshot(snapshot: ApiObject): SeenSnapshotStatus {
  const { status, condition } = statusAndConditions(snapshot);
  return {
    name: snapshot.metadata.name ?? '',
    phase: status.phase,
    readyReason: condition('Ready')?.reason,
    stalled: condition('Stalled')?.status,
  };
}
