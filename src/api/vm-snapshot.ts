// VMSnapshot (namespaced; spec immutable after creation): a snapshot of one VM on its hypervisor.
import { z } from 'zod';
import {
  type Condition,
  conditionsSchema,
  duration,
  objectName,
  observedGeneration,
  operationErrorSchema,
  timestamp,
  vmPhaseSchema,
} from './common.ts';
import { parseDurationMs } from './duration.ts';
import { IMMUTABLE_SPEC } from './immutable.ts';
import { checkObject, type KindShape, type ObjectIdentity, objectSchema } from './parse.ts';
import { ok, type Result } from './result.ts';

export const DELETION_POLICIES = ['Delete', 'Retain'] as const;
export type DeletionPolicy = (typeof DELETION_POLICIES)[number];

export const SNAPSHOT_PHASES = ['Pending', 'InProgress', 'Ready', 'Failed', 'Deleting'] as const;
export type SnapshotPhase = (typeof SNAPSHOT_PHASES)[number];

/**
 * Why 10m: a memory snapshot writes the guest's RAM to disk while the VM is paused or slowed; a few GiB at
 * disk speed takes minutes, not hours. A snapshot still running after 10 minutes is almost always stuck
 * (a hung guest agent, a wedged QEMU), and users want a Failed status they can act on, not a hold that
 * blocks the VM forever. Large VMs set a longer deadline or `0`.
 */
export const DEFAULT_FAILURE_DEADLINE = '10m';

export const vmSnapshotSpecSchema = z
  .object({
    vmName: objectName('Name of the VirtualMachine to snapshot, in this namespace.'),
    memory: z
      .boolean()
      .default(false)
      .describe('Include memory and device state; the VM must be running or paused. False: disk-only.'),
    quiesce: z
      .boolean()
      .default(false)
      .describe(
        'Freeze guest filesystems through the guest agent while taking it; fails clearly without one.',
      ),
    description: z.string().max(1024).optional().describe('Free text for humans, kept with the snapshot.'),
    deletionPolicy: z
      .enum(DELETION_POLICIES)
      .default('Delete')
      .describe(
        'Delete: deleting this object deletes the hypervisor snapshot. Retain: the hypervisor keeps it.',
      ),
    failureDeadline: duration(
      'Give up (phase Failed) if the snapshot is not done this long after its operation started on the ' +
        'hypervisor (status.startTime), e.g. 10m or 1h30m; 0 means no deadline. Time spent queued for a free ' +
        'operation slot does not count; waiting longer than this for anything else (VM, Hypervisor, another ' +
        'operation on the VM), counted from creation, is reported as Stalled but keeps waiting.',
    ).default(DEFAULT_FAILURE_DEADLINE),
  })
  .meta(IMMUTABLE_SPEC)
  .describe('What to snapshot and how. Immutable after creation.');

export const vmSnapshotStatusSchema = z
  .object({
    observedGeneration,
    conditions: conditionsSchema,
    phase: z.enum(SNAPSHOT_PHASES).optional().describe('Pending, InProgress, Ready, Failed or Deleting.'),
    readyToUse: z
      .boolean()
      .optional()
      .describe('The snapshot exists on the hypervisor and can be reverted to.'),
    snapshotName: z.string().optional().describe("The snapshot's name on the hypervisor."),
    parent: z
      .string()
      .optional()
      .describe(
        'The VMSnapshot that was current on the VM when this one was taken ("" if none). When that one is ' +
          'deleted, this one re-attaches to its parent, as libvirt and vSphere re-attach hypervisor snapshots.',
      ),
    memory: z.boolean().optional().describe('Whether memory was actually captured.'),
    vmPhase: vmPhaseSchema.optional().describe("The VM's phase when the snapshot was taken."),
    startTime: timestamp
      .optional()
      .describe(
        "When the snapshot operation started on the hypervisor (RFC 3339): it had one of the Hypervisor's " +
          'maxConcurrentOperations slots and called the driver. failureDeadline counts from here, so waiting in ' +
          'the queue for a slot never fails a snapshot.',
      ),
    creationTime: timestamp.optional().describe('When the hypervisor created the snapshot (RFC 3339).'),
    error: operationErrorSchema.optional(),
  })
  .describe('The observed state of the snapshot.');

export const vmSnapshotShape = {
  kind: 'VMSnapshot',
  namespaced: true,
  spec: vmSnapshotSpecSchema,
  status: vmSnapshotStatusSchema,
} satisfies KindShape<typeof vmSnapshotSpecSchema, typeof vmSnapshotStatusSchema>;

export const vmSnapshotSchema = objectSchema(vmSnapshotShape);

// Wire types: what manifests and the API server carry.
export type VMSnapshotWire = z.input<typeof vmSnapshotSchema>;
export type VMSnapshotSpecWire = z.input<typeof vmSnapshotSpecSchema>;
export type VMSnapshotStatusWire = z.output<typeof vmSnapshotStatusSchema>;

// Domain types: what controllers work with.
export interface VMSnapshotSpec {
  vmName: string;
  memory: boolean;
  quiesce: boolean;
  /** '' when none was given. */
  description: string;
  deletionPolicy: DeletionPolicy;
  /** undefined: no deadline (`failureDeadline: 0`). */
  failureDeadlineMs: number | undefined;
}

/** The status as last written; controllers write back the wire form (VMSnapshotStatusWire). */
export interface VMSnapshotStatus extends Omit<VMSnapshotStatusWire, 'conditions'> {
  conditions: Condition[];
}

export interface VMSnapshot {
  identity: ObjectIdentity;
  spec: VMSnapshotSpec;
  status: VMSnapshotStatus;
}

export function parseVMSnapshot(input: unknown): Result<VMSnapshot> {
  const checked = checkObject(vmSnapshotShape, input);
  if (!checked.ok) return checked;
  const { identity, spec, status } = checked.value;
  // The schema's pattern already accepted the text, so it parses.
  const deadlineMs = parseDurationMs(spec.failureDeadline) ?? 0;
  return ok({
    identity,
    spec: {
      vmName: spec.vmName,
      memory: spec.memory,
      quiesce: spec.quiesce,
      description: spec.description ?? '',
      deletionPolicy: spec.deletionPolicy,
      failureDeadlineMs: deadlineMs === 0 ? undefined : deadlineMs,
    },
    status: { ...status, conditions: status?.conditions ?? [] },
  });
}
