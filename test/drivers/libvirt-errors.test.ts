// virsh error text (recorded from libvirt 9.0) -> DriverError reasons and retryability.

import { describe, expect, it } from 'vitest';
import { mapCommandFailure, mapErrorText } from '../../src/drivers/libvirt/error-mapping.ts';
import { CommandFailure, errorText } from '../../src/drivers/libvirt/virsh.ts';

const cases: Array<[stderr: string, reason: string, retryable: boolean]> = [
  [
    "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/nonexistent': No such file or directory",
    'HypervisorUnreachable',
    true,
  ],
  ["error: failed to get domain 'nope'", 'DomainNotFound', false],
  [
    "error: Domain snapshot not found: no domain snapshot with matching name 'nope'",
    'SnapshotNotFound',
    false,
  ],
  ["error: domain 'vmsnap-exp-r' has no current snapshot", 'SnapshotNotFound', false],
  ['error: operation failed: domain moment s2 already exists', 'SnapshotNameConflict', false],
  ["error: invalid snapshot name 'x/y': name can't contain '/'", 'InvalidSnapshotName', false],
  [
    'error: unsupported configuration: internal snapshot for disk vda unsupported for storage type raw',
    'UnsupportedDiskFormat',
    false,
  ],
  [
    'error: Unable to freeze filesystems\nerror: argument unsupported: QEMU guest agent is not configured',
    'QuiesceUnavailable',
    false,
  ],
  ['error: Guest agent is not responding: QEMU guest agent is not connected', 'QuiesceUnavailable', false],
  [
    'error: XML error: memory state cannot be saved with offline or disk-only snapshot',
    'MemoryRequiresRunningVM',
    false,
  ],
  ['error: unsupported configuration: revert to external snapshot not supported yet', 'Unsupported', false],
  [
    'error: Timed out during operation: cannot acquire state change lock (held by monitor=remoteDispatchDomainSuspend)',
    'DomainBusy',
    true,
  ],
  [
    "error: Failed to destroy domain 'x'\nerror: Requested operation is not valid: domain is not running",
    'InvalidDomainState',
    false,
  ],
  ['error: internal error: something nobody has seen', 'DriverFailure', true],
];

describe('virsh error mapping', () => {
  it.each(cases)('%s -> %s', (stderr, reason, retryable) => {
    const err = mapCommandFailure(new CommandFailure('virsh', ['x'], { exitCode: 1, stderr }), 'doing x');
    expect(err.reason).toBe(reason);
    expect(err.retryable).toBe(retryable);
    // The hypervisor's own text reaches humans unchanged.
    expect(err.message).toContain(errorText(stderr));
    expect(err.message.startsWith('doing x: ')).toBe(true);
  });

  it('joins error lines without their prefix', () => {
    expect(errorText('error: a\n\nerror: b\n')).toBe('a: b');
    expect(errorText('plain failure\n')).toBe('plain failure');
  });

  it('reports timeouts and a missing virsh distinctly', () => {
    const timeout = mapCommandFailure(new CommandFailure('virsh', [], { stderr: '', timedOut: true }), 'ctx');
    expect(timeout).toMatchObject({ reason: 'OperationTimeout', retryable: true });
    const missing = mapCommandFailure(
      new CommandFailure('virsh', [], { stderr: 'error: virsh: command not found', notInstalled: true }),
      'ctx',
    );
    expect(missing).toMatchObject({ reason: 'DriverFailure', retryable: false });
    expect(mapErrorText('', 'ctx').reason).toBe('DriverFailure');
  });
});
