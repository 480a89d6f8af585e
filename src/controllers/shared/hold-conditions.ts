import { Reason } from '../../api/conditions.ts';
import type { ConditionUpdate } from '../../runtime/conditions.ts';
import type { HoldView } from '../views.ts';

/**
 * The VM's Snapshotting and Reverting conditions, derived from status.hold alone so that every writer of the
 * VM's status (VM controller, snapshot and revert controllers) states them identically and never disagrees.
 */
export function holdConditions(hold: HoldView | undefined, observedGeneration: number): ConditionUpdate[] {
  const holder = hold ? `${hold.holder.kind} "${hold.holder.name}"` : '';
  return [
    hold?.operation === 'Snapshot'
      ? {
          type: 'Snapshotting',
          status: 'True',
          reason: Reason.SnapshotInProgress,
          message: `${holder} holds this VM for a snapshot operation`,
          observedGeneration,
        }
      : { type: 'Snapshotting', status: 'False', reason: Reason.Idle, message: '', observedGeneration },
    hold?.operation === 'RevertTo'
      ? {
          type: 'Reverting',
          status: 'True',
          reason: Reason.RevertInProgress,
          message: `${holder} is reverting this VM to a snapshot`,
          observedGeneration,
        }
      : { type: 'Reverting', status: 'False', reason: Reason.Idle, message: '', observedGeneration },
  ];
}
