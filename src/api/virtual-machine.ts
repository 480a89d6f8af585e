// VirtualMachine (namespaced): binds a VM that lives on a hypervisor. vmsnap never defines or creates VMs.
import { z } from 'zod';
import {
  type Condition,
  conditionsSchema,
  objectName,
  observedGeneration,
  timestamp,
  vmPhaseSchema,
} from './common.ts';
import { checkObject, type KindShape, type ObjectIdentity, objectSchema } from './parse.ts';
import { ok, type Result } from './result.ts';

export const POWER_STATES = ['Running', 'Stopped'] as const;
export type PowerState = (typeof POWER_STATES)[number];

export const HOLD_OPERATIONS = ['Snapshot', 'RevertTo'] as const;
export type HoldOperation = (typeof HOLD_OPERATIONS)[number];

export const virtualMachineSpecSchema = z
  .object({
    hypervisorName: objectName('Name of the Hypervisor the VM lives on.'),
    domain: z
      .string()
      .min(1)
      .max(1024)
      .describe(
        'The VM on the hypervisor: its name or UUID (vsphere: also an inventory path, DC0/vm/web-1).',
      ),
    powerState: z
      .enum(POWER_STATES)
      .optional()
      .describe('Desired power state, Running or Stopped. Absent: vmsnap only observes the power state.'),
    maxSnapshots: z
      .int()
      .min(1)
      .max(10000)
      .optional()
      .describe(
        "Most snapshots kept for this VM. Default: the driver's own limit (vSphere: 32 per chain), else none.",
      ),
  })
  .describe('Which VM to bind, and its desired power state.');

export const holderSchema = z
  .object({
    kind: z.enum(['VMSnapshot', 'VMRevert']).describe('Kind of the object holding the VM.'),
    name: objectName('Name of the holder, in the VM namespace.'),
    uid: z
      .string()
      .min(1)
      .describe('UID of the holder, so a recreated object with the same name is not the holder.'),
  })
  .describe('The object that holds the VM.');

export const holdSchema = z
  .object({
    operation: z.enum(HOLD_OPERATIONS).describe('What the holder is doing: Snapshot or RevertTo.'),
    holder: holderSchema,
    since: timestamp.describe('When the hold was taken (RFC 3339).'),
  })
  .describe(
    'Present only while an operation owns the VM. Everything that would change the power state waits for it.',
  );

export const virtualMachineStatusSchema = z
  .object({
    observedGeneration,
    conditions: conditionsSchema,
    phase: vmPhaseSchema
      .optional()
      .describe(
        'Observed lifecycle phase: Running, Stopped, Paused, Suspended or Unknown. Never an operation.',
      ),
    domainUUID: z.string().optional().describe('UUID of the VM on the hypervisor.'),
    hold: holdSchema.optional(),
    currentSnapshot: z.string().optional().describe('The VMSnapshot last taken or reverted to.'),
  })
  .describe('The observed state of the VM.');

export const virtualMachineShape = {
  kind: 'VirtualMachine',
  namespaced: true,
  spec: virtualMachineSpecSchema,
  status: virtualMachineStatusSchema,
} satisfies KindShape<typeof virtualMachineSpecSchema, typeof virtualMachineStatusSchema>;

export const virtualMachineSchema = objectSchema(virtualMachineShape);

// Wire types: what manifests and the API server carry.
export type VirtualMachineWire = z.input<typeof virtualMachineSchema>;
export type VirtualMachineSpecWire = z.input<typeof virtualMachineSpecSchema>;
export type VirtualMachineStatusWire = z.output<typeof virtualMachineStatusSchema>;
export type Hold = z.output<typeof holdSchema>;
export type Holder = z.output<typeof holderSchema>;

// Domain types: what controllers work with.
export interface VirtualMachineSpec {
  hypervisorName: string;
  domain: string;
  /** undefined: observe only, never change the power state on its own. */
  powerState: PowerState | undefined;
  /** undefined: the driver's own limit, else none. */
  maxSnapshots: number | undefined;
}

/** The status as last written; controllers write back the wire form (VirtualMachineStatusWire). */
export interface VirtualMachineStatus extends Omit<VirtualMachineStatusWire, 'conditions'> {
  conditions: Condition[];
}

export interface VirtualMachine {
  identity: ObjectIdentity;
  spec: VirtualMachineSpec;
  status: VirtualMachineStatus;
}

export function parseVirtualMachine(input: unknown): Result<VirtualMachine> {
  const checked = checkObject(virtualMachineShape, input);
  if (!checked.ok) return checked;
  const { identity, spec, status } = checked.value;
  return ok({
    identity,
    spec: {
      hypervisorName: spec.hypervisorName,
      domain: spec.domain,
      powerState: spec.powerState,
      maxSnapshots: spec.maxSnapshots,
    },
    status: { ...status, conditions: status?.conditions ?? [] },
  });
}
