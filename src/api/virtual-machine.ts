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
        'Most VMSnapshots this VM may have on its hypervisor (counted: InProgress and Ready ones, all ' +
          'VMSnapshots of the VM, manual and scheduled). A VMSnapshot beyond it fails with SnapshotLimitReached ' +
          'before the hypervisor is touched; a schedule at the limit deletes what its retention drops first. ' +
          "Default: the Hypervisor's status.capabilities.maxSnapshotsPerVM (vSphere: 32 per chain), else none.",
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

/**
 * Why 128: status.snapshots travels with every write of the VM's status (holds are taken and released with
 * guarded whole-status writes), so it must stay small; ~200 bytes an entry keeps the list near 25 KiB at the
 * bound. vSphere allows 32 snapshots per chain, and a schedule keeping hourly/daily/weekly/monthly sets keeps
 * about 50, so real trees fit. Beyond it, the list keeps the current snapshot with its ancestors and then the
 * newest, and snapshotCount says how many the hypervisor really has.
 */
export const MAX_SNAPSHOT_TREE_ENTRIES = 128;

export const snapshotTreeEntrySchema = z
  .object({
    name: z.string().min(1).max(1024).describe("The snapshot's name on the hypervisor."),
    parent: z
      .string()
      .max(1024)
      .optional()
      .describe("The parent snapshot's name on the hypervisor; absent for a root."),
    current: z
      .boolean()
      .optional()
      .describe("True for the hypervisor's current snapshot (the one last taken or reverted to)."),
    creationTime: timestamp.optional().describe('When the hypervisor took the snapshot (RFC 3339).'),
    memory: z.boolean().optional().describe('Whether reverting to it restores memory.'),
    vmSnapshot: z
      .string()
      .max(253)
      .optional()
      .describe('The VMSnapshot that took it (as recorded on the hypervisor); absent for foreign snapshots.'),
    foreign: z
      .boolean()
      .optional()
      .describe('True when vmsnap did not take it (virsh, vCenter, another tool); vmsnap never changes it.'),
    retained: z
      .boolean()
      .optional()
      .describe(
        'True when vmsnap took it but its VMSnapshot is gone (deletionPolicy Retain, or deleted while the hypervisor was unreachable).',
      ),
  })
  .describe('One snapshot of the VM as the hypervisor reports it.');

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
    snapshots: z
      .array(snapshotTreeEntrySchema)
      .max(MAX_SNAPSHOT_TREE_ENTRIES)
      .optional()
      .describe(
        "The VM's snapshot tree on the hypervisor, vmsnap's and foreign ones, ordered by creation time. " +
          'Refreshed when a snapshot operation on the VM ends and every 10 minutes; at most ' +
          `${MAX_SNAPSHOT_TREE_ENTRIES} entries (the current one with its ancestors, then the newest).`,
      ),
    snapshotCount: z
      .int()
      .min(0)
      .optional()
      .describe(
        'How many snapshots the hypervisor has for the VM; more than listed in snapshots when over the bound.',
      ),
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
export type SnapshotTreeEntry = z.output<typeof snapshotTreeEntrySchema>;

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
