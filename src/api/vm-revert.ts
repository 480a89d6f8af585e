// VMRevert (namespaced; spec immutable after creation): a request to revert a VM to one of its snapshots.
import { z } from 'zod';
import {
  type Condition,
  conditionsSchema,
  objectName,
  observedGeneration,
  operationErrorSchema,
  timestamp,
  vmPhaseSchema,
} from './common.ts';
import { IMMUTABLE_SPEC } from './immutable.ts';
import { checkObject, type KindShape, type ObjectIdentity, objectSchema } from './parse.ts';
import { ok, type Result } from './result.ts';

export const REVERT_PHASES = ['Pending', 'Reverting', 'Succeeded', 'Failed'] as const;
export type RevertPhase = (typeof REVERT_PHASES)[number];

/**
 * The steps a revert plan is made of. RevertTo is the hypervisor's revert itself; the power steps bring the VM
 * to the state the plan ends in (a declared spec.powerState, startAfterRevert, or resuming a Paused snapshot
 * for a VM that should run).
 */
export const REVERT_STEPS = ['StopVM', 'RevertTo', 'StartVM', 'PauseVM', 'ResumeVM'] as const;
export type RevertStep = (typeof REVERT_STEPS)[number];

const revertStepSchema = z.enum(REVERT_STEPS);

export const vmRevertSpecSchema = z
  .object({
    snapshotName: objectName('Name of the VMSnapshot to revert to, in this namespace. Its VM is reverted.'),
    allowPowerChange: z
      .boolean()
      .default(true)
      .describe("False: fail before touching anything if the revert would change the VM's power state."),
    startAfterRevert: z
      .boolean()
      .default(false)
      .describe(
        'After reverting a running VM to a disk-only snapshot, start it (otherwise it ends Stopped).',
      ),
  })
  .meta(IMMUTABLE_SPEC)
  .describe('Which snapshot to revert to, and what may happen to the power state. Immutable after creation.');

export const vmRevertStatusSchema = z
  .object({
    observedGeneration,
    conditions: conditionsSchema,
    phase: z.enum(REVERT_PHASES).optional().describe('Pending, Reverting, Succeeded or Failed.'),
    vmName: z.string().optional().describe('The VirtualMachine being reverted (the VM of the snapshot).'),
    fromPhase: vmPhaseSchema.optional().describe("The VM's phase when the revert started."),
    toPhase: vmPhaseSchema.optional().describe('The phase the VM ends in.'),
    steps: z
      .array(revertStepSchema)
      .optional()
      .describe(
        'The plan, in order, fixed when the revert starts: StopVM, RevertTo, StartVM, PauseVM, ResumeVM.',
      ),
    completedSteps: z
      .array(revertStepSchema)
      .optional()
      .describe('The steps of the plan done so far, in order; recorded as each completes.'),
    startTime: timestamp.optional().describe('When the revert started (RFC 3339).'),
    completionTime: timestamp.optional().describe('When the revert succeeded or failed (RFC 3339).'),
    error: operationErrorSchema.optional(),
  })
  .describe('The observed state of the revert.');

export const vmRevertShape = {
  kind: 'VMRevert',
  namespaced: true,
  spec: vmRevertSpecSchema,
  status: vmRevertStatusSchema,
} satisfies KindShape<typeof vmRevertSpecSchema, typeof vmRevertStatusSchema>;

export const vmRevertSchema = objectSchema(vmRevertShape);

// Wire types: what manifests and the API server carry.
export type VMRevertWire = z.input<typeof vmRevertSchema>;
export type VMRevertSpecWire = z.input<typeof vmRevertSpecSchema>;
export type VMRevertStatusWire = z.output<typeof vmRevertStatusSchema>;

// Domain types: what controllers work with.
export interface VMRevertSpec {
  snapshotName: string;
  allowPowerChange: boolean;
  startAfterRevert: boolean;
}

/** The status as last written; controllers write back the wire form (VMRevertStatusWire). */
export interface VMRevertStatus extends Omit<VMRevertStatusWire, 'conditions'> {
  conditions: Condition[];
}

export interface VMRevert {
  identity: ObjectIdentity;
  spec: VMRevertSpec;
  status: VMRevertStatus;
}

export function parseVMRevert(input: unknown): Result<VMRevert> {
  const checked = checkObject(vmRevertShape, input);
  if (!checked.ok) return checked;
  const { identity, spec, status } = checked.value;
  return ok({
    identity,
    spec: {
      snapshotName: spec.snapshotName,
      allowPowerChange: spec.allowPowerChange,
      startAfterRevert: spec.startAfterRevert,
    },
    status: { ...status, conditions: status?.conditions ?? [] },
  });
}
