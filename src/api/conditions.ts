// Condition types and reasons every controller writes. One list, so kstatus, `kubectl wait`, Argo CD health
// checks and tests all see the same words. Reasons are CamelCase identifiers (metav1.Condition's rule).
import { CONDITION_REASON } from './common.ts';

/**
 * Ready/Reconciling/Stalled are the kstatus trio (Reconciling=True -> InProgress, Stalled=True -> Failed,
 * Ready=True -> Current). Snapshotting/Reverting appear on a VirtualMachine while an operation holds it: the
 * VM's phase never says so.
 */
export const ConditionType = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  Snapshotting: 'Snapshotting',
  Reverting: 'Reverting',
  /** Hypervisor: False (a warning) while spec.insecureSkipTLSVerify turns certificate checks off. */
  TLSVerified: 'TLSVerified',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

export const Reason = {
  // Generic progress and outcome.
  Reconciled: 'Reconciled',
  Progressing: 'Progressing',
  Pending: 'Pending',
  InvalidSpec: 'InvalidSpec',
  Deleting: 'Deleting',
  DeadlineExceeded: 'DeadlineExceeded',

  // Hypervisor.
  Connected: 'Connected',
  ConnectionFailed: 'ConnectionFailed',
  CredentialsNotFound: 'CredentialsNotFound',
  AuthenticationFailed: 'AuthenticationFailed',
  TLSVerificationFailed: 'TLSVerificationFailed',
  TLSVerificationSkipped: 'TLSVerificationSkipped',

  // VirtualMachine.
  HypervisorNotFound: 'HypervisorNotFound',
  HypervisorNotReady: 'HypervisorNotReady',
  DomainFound: 'DomainFound',
  DomainNotFound: 'DomainNotFound',
  PowerStateConverging: 'PowerStateConverging',
  Idle: 'Idle',

  // Waiting for something another object owns.
  VMNotFound: 'VMNotFound',
  VMNotReady: 'VMNotReady',
  VMHeld: 'VMHeld',
  WaitingForSlot: 'WaitingForSlot',

  // VMSnapshot.
  SnapshotInProgress: 'SnapshotInProgress',
  SnapshotReady: 'SnapshotReady',
  SnapshotFailed: 'SnapshotFailed',
  SnapshotNotFound: 'SnapshotNotFound',
  SnapshotNotReady: 'SnapshotNotReady',
  MemoryNeedsRunningVM: 'MemoryNeedsRunningVM',
  QuiesceFailed: 'QuiesceFailed',
  SnapshotLimitReached: 'SnapshotLimitReached',

  // VMRevert.
  RevertInProgress: 'RevertInProgress',
  RevertSucceeded: 'RevertSucceeded',
  RevertFailed: 'RevertFailed',
  PowerChangeNotAllowed: 'PowerChangeNotAllowed',

  // VMSnapshotSchedule.
  Scheduled: 'Scheduled',
  Suspended: 'Suspended',
  InvalidSchedule: 'InvalidSchedule',
  WaitingForPreviousRun: 'WaitingForPreviousRun',
  NoVMsSelected: 'NoVMsSelected',
  PruningForLimit: 'PruningForLimit',
  StartingDeadlineExceeded: 'StartingDeadlineExceeded',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** Whether a reason (e.g. a driver's error reason) may go into a condition as is. */
export function isValidReason(reason: string): boolean {
  return reason.length <= 1024 && CONDITION_REASON.test(reason);
}
