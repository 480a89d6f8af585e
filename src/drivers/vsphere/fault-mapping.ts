// vSphere faults (SOAP faults and failed tasks) to DriverErrors. The fault type decides the reason; the
// server's own message is kept for humans.

import { DriverError, type DriverErrorReason } from '../errors.ts';
import { child, SoapFault, text, type XmlNode } from './soap-xml.ts';

/** What the failing call was about, so an object that vanished maps to the right "not found". */
export type FaultSubject = 'vm' | 'snapshot' | 'task';

const REASON_OF_FAULT: Readonly<Record<string, DriverErrorReason>> = {
  InvalidLogin: 'AuthenticationFailed',
  InvalidPowerState: 'InvalidDomainState',
  InvalidState: 'InvalidDomainState',
  TaskInProgress: 'DomainBusy',
  ConcurrentAccess: 'DomainBusy',
  // Quiescing needs VMware Tools running in the guest. Without them vSphere fails the task with
  // ApplicationQuiesceFault ("Cannot quiesce this virtual machine because VMware Tools is not currently
  // available"); FilesystemQuiesceFault is a freeze that outlived vSphere's time limit.
  ApplicationQuiesceFault: 'QuiesceUnavailable',
  FilesystemQuiesceFault: 'QuiesceUnavailable',
  ToolsUnavailable: 'QuiesceUnavailable',
  TooManySnapshotLevels: 'SnapshotLimitReached',
  SnapshotLocked: 'DomainBusy',
  SnapshotDisabled: 'Unsupported',
  MemorySnapshotOnIndependentDisk: 'Unsupported',
  SnapshotIncompatibleDeviceInVm: 'Unsupported',
  MultipleSnapshotsNotSupported: 'Unsupported',
  NotSupported: 'Unsupported',
  RequestCanceled: 'OperationTimeout',
};

export interface FaultLike {
  faultType: string;
  message: string;
  detail?: XmlNode | undefined;
}

export function faultToDriverError(fault: FaultLike, context: string, subject: FaultSubject): DriverError {
  const reason = reasonOf(fault.faultType, subject);
  const hypervisorMessage = `${fault.faultType}${fault.message ? `: ${fault.message}` : ''}`;
  if (fault.faultType === 'NoPermission') {
    const privilege = text(child(fault.detail, 'privilegeId'));
    return new DriverError(
      'DriverFailure',
      `${context}: the vSphere user lacks the privilege ${privilege || '(unnamed)'} (docs/drivers/vsphere.md lists what vmsnap needs)`,
      { hypervisorMessage, retryable: false },
    );
  }
  return new DriverError(reason, `${context}: ${describe(reason)}`, {
    hypervisorMessage,
    ...(reason === 'DriverFailure' ? {} : { retryable: RETRYABLE.has(reason) }),
  });
}

/** Any error from a vSphere call as a DriverError (transport errors already are). */
export function toDriverError(err: unknown, context: string, subject: FaultSubject): DriverError {
  if (err instanceof DriverError) return err;
  if (err instanceof SoapFault) return faultToDriverError(err, context, subject);
  return new DriverError('DriverFailure', `${context}: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}

const RETRYABLE: ReadonlySet<DriverErrorReason> = new Set([
  'DomainBusy',
  'OperationTimeout',
  'HypervisorUnreachable',
]);

function reasonOf(faultType: string, subject: FaultSubject): DriverErrorReason {
  if (faultType === 'ManagedObjectNotFound') {
    if (subject === 'vm') return 'DomainNotFound';
    if (subject === 'snapshot') return 'SnapshotNotFound';
    return 'DriverFailure';
  }
  return REASON_OF_FAULT[faultType] ?? 'DriverFailure';
}

function describe(reason: DriverErrorReason): string {
  switch (reason) {
    case 'DomainNotFound':
      return 'the VM no longer exists';
    case 'SnapshotNotFound':
      return 'the snapshot no longer exists';
    case 'InvalidDomainState':
      return 'not possible in the VM power state';
    case 'DomainBusy':
      return 'another task is running on this VM';
    case 'QuiesceUnavailable':
      return 'cannot quiesce the guest (VMware Tools must be installed and running)';
    case 'SnapshotLimitReached':
      return "the snapshot chain is at vSphere's limit";
    case 'Unsupported':
      return 'vSphere does not support this for the VM';
    case 'AuthenticationFailed':
      return 'the login was refused';
    case 'OperationTimeout':
      return 'the task was cancelled';
    default:
      return 'vSphere reported a fault';
  }
}
