// Turns virsh's `error:` text into DriverErrors with condition-ready reasons. The patterns are the messages
// measured on libvirt 9.0/QEMU 7.2 (docs/drivers/libvirt.md); anything unknown stays DriverFailure with the
// hypervisor's own text, so nothing is lost.

import { DriverError, type DriverErrorReason } from '../errors.ts';
import { CommandFailure } from './command-runner.ts';

interface Rule {
  pattern: RegExp;
  reason: DriverErrorReason;
  summary: string;
  retryable?: boolean;
}

// Order matters: the first match wins (connection failures first, they wrap any other text).
// The last three are the session's (virsh-session.ts): its virsh died or was killed mid-command, or virsh
// reconnected by itself after losing the daemon (the command's answer then cannot be trusted).
const CONNECTION_LOST =
  /failed to connect to the hypervisor|Failed to connect socket|Cannot recv data|End of file while reading data|Cannot write data|Connection reset by peer|Connection refused|no connection driver available|Broken pipe|client socket is closed|no valid connection|Reconnected to the hypervisor|virsh session ended/i;

/** Whether virsh's error text says the libvirt connection is gone (HypervisorUnreachable). */
export function isConnectionLost(text: string): boolean {
  return CONNECTION_LOST.test(text);
}

const RULES: readonly Rule[] = [
  {
    pattern: CONNECTION_LOST,
    reason: 'HypervisorUnreachable',
    summary: 'cannot reach the hypervisor',
  },
  {
    pattern: /failed to get domain|Domain not found|no domain with matching/i,
    reason: 'DomainNotFound',
    summary: 'domain not found',
    retryable: false,
  },
  {
    pattern: /Domain snapshot not found|no domain snapshot with matching name|has no current snapshot/i,
    reason: 'SnapshotNotFound',
    summary: 'snapshot not found',
  },
  {
    pattern: /domain moment .* already exists/i,
    reason: 'SnapshotNameConflict',
    summary: 'snapshot name in use',
  },
  { pattern: /invalid snapshot name/i, reason: 'InvalidSnapshotName', summary: 'invalid snapshot name' },
  {
    pattern:
      /internal snapshot for disk .* unsupported for storage type|does not support internal snapshots|internal snapshots? .*not supported .*format/i,
    reason: 'UnsupportedDiskFormat',
    summary: 'a disk cannot hold internal snapshots',
  },
  {
    pattern:
      /guest agent is not configured|Guest agent is not responding|guest agent is not connected|Unable to freeze filesystems/i,
    reason: 'QuiesceUnavailable',
    summary: 'cannot quiesce: no responding guest agent',
  },
  {
    pattern: /memory state cannot be saved with offline or disk-only snapshot/i,
    reason: 'MemoryRequiresRunningVM',
    summary: 'a memory snapshot needs a running or paused VM',
  },
  {
    pattern:
      /revert to external snapshot not supported|active qemu domains require external disk snapshots|deletion of \d+ external disk snapshots not supported|external snapshot.* not supported/i,
    reason: 'Unsupported',
    summary: 'not supported by this libvirt',
  },
  {
    pattern:
      /cannot acquire state change lock|Timed out during operation|another migration job is already running|domain has active block job/i,
    reason: 'DomainBusy',
    summary: 'the domain is busy with another job',
  },
  {
    pattern: /domain is not running|domain is already running|Requested operation is not valid/i,
    reason: 'InvalidDomainState',
    summary: 'not possible in the domain’s current state',
  },
];

/** Maps one failed command to a DriverError; `context` says what was being done, for the message. */
export function mapCommandFailure(failure: CommandFailure, context: string): DriverError {
  const text = failure.errorText;
  if (failure.timedOut) {
    return new DriverError('OperationTimeout', `${context}: ${failure.command} did not finish in time`, {
      hypervisorMessage: text,
      cause: failure,
    });
  }
  if (failure.notInstalled) {
    return new DriverError('DriverFailure', `${context}: ${failure.command} is not installed on this host`, {
      hypervisorMessage: text,
      retryable: false,
      cause: failure,
    });
  }
  return mapErrorText(text, context, failure);
}

export function mapErrorText(text: string, context: string, cause?: unknown): DriverError {
  const rule = RULES.find((r) => r.pattern.test(text));
  const reason = rule?.reason ?? 'DriverFailure';
  return new DriverError(reason, `${context}: ${rule?.summary ?? 'hypervisor error'}`, {
    hypervisorMessage: text,
    ...(rule?.retryable === undefined ? {} : { retryable: rule.retryable }),
    cause,
  });
}

/** Rethrows anything as a DriverError: CommandFailures mapped, DriverErrors as they are. */
export function toDriverError(err: unknown, context: string): DriverError {
  if (err instanceof DriverError) return err;
  if (err instanceof CommandFailure) return mapCommandFailure(err, context);
  const message = err instanceof Error ? err.message : String(err);
  return new DriverError('DriverFailure', `${context}: unexpected error`, {
    hypervisorMessage: message,
    cause: err,
  });
}
