// The one error type every HypervisorDriver throws. Controllers copy `reason` into a status condition and
// `message` into its message, and decide between requeue-with-backoff and Failed/Stalled on `retryable`.

/**
 * Why a driver call failed. Each value is a valid Kubernetes condition reason (UpperCamelCase, `[A-Za-z]`),
 * so controllers can use it verbatim.
 */
export type DriverErrorReason =
  /** The domain (VM) is not defined on the hypervisor. */
  | 'DomainNotFound'
  /** The hypervisor endpoint did not answer (daemon down, network, SSH). Retryable. */
  | 'HypervisorUnreachable'
  /** No snapshot with this name on the domain. */
  | 'SnapshotNotFound'
  /** A snapshot with this name exists but belongs to someone else (another owner uid, or another tool). */
  | 'SnapshotNameConflict'
  /** A delete was guarded by an owner uid and the snapshot carries another owner (or none). */
  | 'SnapshotNotOwned'
  /** The hypervisor has a record of the snapshot but the disk image does not hold it (or the reverse). */
  | 'SnapshotInconsistent'
  /** memory=true asked of a VM that is not running or paused: there is no memory to capture. */
  | 'MemoryRequiresRunningVM'
  /** quiesce=true but the VM has no (responding) guest agent. */
  | 'QuiesceUnavailable'
  /** A disk cannot hold internal snapshots (raw, network, ...). */
  | 'UnsupportedDiskFormat'
  /** The snapshot name is not acceptable to the hypervisor. */
  | 'InvalidSnapshotName'
  /** The hypervisor's per-VM snapshot limit is reached. */
  | 'SnapshotLimitReached'
  /** The operation is not possible in the VM's current state (and the driver will not change it on its own). */
  | 'InvalidDomainState'
  /** The hypervisor is busy with another job on this domain. Retryable. */
  | 'DomainBusy'
  /** The hypervisor did not finish within the driver's time limit. Retryable. */
  | 'OperationTimeout'
  /** The hypervisor (version/configuration) cannot do this at all. */
  | 'Unsupported'
  /** The endpoint refused the credentials (wrong user or password). The message never carries the password. */
  | 'AuthenticationFailed'
  /** The endpoint's TLS certificate did not verify against the configured CA (or the system CAs). */
  | 'TLSVerificationFailed'
  /** Anything not recognised; the message carries the hypervisor's own text. */
  | 'DriverFailure';

/** Reasons that mean "try again later" rather than "this request cannot succeed as it stands". */
const RETRYABLE_BY_DEFAULT: ReadonlySet<DriverErrorReason> = new Set<DriverErrorReason>([
  'HypervisorUnreachable',
  'DomainBusy',
  'OperationTimeout',
  'DriverFailure',
]);

export interface DriverErrorOptions {
  /** The hypervisor's own error text (e.g. virsh's `error:` lines), kept verbatim for humans. */
  hypervisorMessage?: string;
  /** Overrides the reason's default retryability. */
  retryable?: boolean;
  cause?: unknown;
}

export class DriverError extends Error {
  readonly reason: DriverErrorReason;
  /** true: requeue with backoff; false: the request itself must change (bad input, impossible state). */
  readonly retryable: boolean;
  readonly hypervisorMessage: string | undefined;

  constructor(reason: DriverErrorReason, message: string, options: DriverErrorOptions = {}) {
    const full =
      options.hypervisorMessage && !message.includes(options.hypervisorMessage)
        ? `${message}: ${options.hypervisorMessage}`
        : message;
    super(full, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DriverError';
    this.reason = reason;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(reason);
    this.hypervisorMessage = options.hypervisorMessage;
  }
}

export function isDriverError(err: unknown, reason?: DriverErrorReason): err is DriverError {
  return err instanceof DriverError && (reason === undefined || err.reason === reason);
}
