// What each kind looks like to kubectl and the API server besides its schema: names, scope, printer columns,
// selectable fields. Kept next to the schemas so a new field and its column change together.
import type { z } from 'zod';
import { GROUP, type Kind } from '../group.ts';
import { hypervisorShape } from '../hypervisor.ts';
import type { KindShape } from '../parse.ts';
import { virtualMachineShape } from '../virtual-machine.ts';
import { vmRevertShape } from '../vm-revert.ts';
import { vmSnapshotShape } from '../vm-snapshot.ts';
import { vmSnapshotScheduleShape } from '../vm-snapshot-schedule.ts';

export interface PrinterColumnDef {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
}

export interface KindDefinition {
  shape: KindShape<z.ZodType, z.ZodType>;
  /** Shown by `kubectl explain <kind>`. */
  description: string;
  plural: string;
  singular: string;
  shortNames: string[];
  printerColumns: PrinterColumnDef[];
  /** Fields `--field-selector` may name (CRD selectableFields), for lookups like "snapshots of this VM". */
  selectableFields: string[];
}

const READY: PrinterColumnDef = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: 'Status of the Ready condition.',
};
const AGE: PrinterColumnDef = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since creation.',
};

/**
 * Every vmsnap kind shares the category `vmsnap` (`kubectl get vmsnap` lists them all), so no short name may be
 * `vmsnap`: kubectl expands categories before short names. Short names avoid KubeVirt's (`vm`, `vms`,
 * `vmsnapshot`) so both operators can live in one cluster.
 */
export const CATEGORY = 'vmsnap';

export const KIND_DEFINITIONS: Record<Kind, KindDefinition> = {
  Hypervisor: {
    shape: hypervisorShape,
    description: 'A host or endpoint that runs VMs, and how to reach it. Cluster-scoped.',
    plural: 'hypervisors',
    singular: 'hypervisor',
    shortNames: ['hv'],
    printerColumns: [
      {
        name: 'Driver',
        type: 'string',
        jsonPath: '.spec.driver',
        description: 'How vmsnap talks to the endpoint.',
      },
      { name: 'URI', type: 'string', jsonPath: '.spec.uri', description: 'Driver connection string.' },
      READY,
      {
        name: 'Version',
        type: 'string',
        jsonPath: '.status.version',
        description: 'What the endpoint reports.',
      },
    ],
    selectableFields: ['.spec.driver'],
  },
  VirtualMachine: {
    shape: virtualMachineShape,
    description: 'Binds a VM that lives on a Hypervisor, found by name or UUID. vmsnap never creates VMs.',
    plural: 'virtualmachines',
    singular: 'virtualmachine',
    shortNames: ['vsvm'],
    printerColumns: [
      {
        name: 'Hypervisor',
        type: 'string',
        jsonPath: '.spec.hypervisorName',
        description: 'Where the VM lives.',
      },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Observed lifecycle phase.' },
      {
        name: 'Hold',
        type: 'string',
        jsonPath: '.status.hold.operation',
        description: 'The operation holding the VM, if any.',
      },
      {
        name: 'Current',
        type: 'string',
        jsonPath: '.status.currentSnapshot',
        description: 'The VMSnapshot last taken or reverted to.',
      },
      AGE,
    ],
    selectableFields: ['.spec.hypervisorName'],
  },
  VMSnapshot: {
    shape: vmSnapshotShape,
    description: 'A snapshot of one VirtualMachine on its hypervisor. The spec is immutable after creation.',
    plural: 'vmsnapshots',
    singular: 'vmsnapshot',
    shortNames: ['vsnap'],
    printerColumns: [
      {
        name: 'VM',
        type: 'string',
        jsonPath: '.spec.vmName',
        description: 'The VirtualMachine snapshotted.',
      },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Where the snapshot is.' },
      {
        name: 'Parent',
        type: 'string',
        jsonPath: '.status.parent',
        description:
          'The VMSnapshot this one follows in the VM tree; kept true when a middle one is deleted.',
      },
      { name: 'Memory', type: 'boolean', jsonPath: '.spec.memory', description: 'Includes memory state.' },
      READY,
      AGE,
    ],
    selectableFields: ['.spec.vmName'],
  },
  VMRevert: {
    shape: vmRevertShape,
    description: 'A request to revert a VM to one of its VMSnapshots. The spec is immutable after creation.',
    plural: 'vmreverts',
    singular: 'vmrevert',
    shortNames: ['vrevert'],
    printerColumns: [
      {
        name: 'Snapshot',
        type: 'string',
        jsonPath: '.spec.snapshotName',
        description: 'The VMSnapshot reverted to.',
      },
      { name: 'VM', type: 'string', jsonPath: '.status.vmName', description: 'The VirtualMachine reverted.' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Where the revert is.' },
      AGE,
    ],
    selectableFields: ['.spec.snapshotName'],
  },
  VMSnapshotSchedule: {
    shape: vmSnapshotScheduleShape,
    description:
      'Takes VMSnapshots of the selected VirtualMachines on a cron schedule and prunes the ones it took by a ' +
      'retention policy. The snapshots outlive the schedule.',
    plural: 'vmsnapshotschedules',
    singular: 'vmsnapshotschedule',
    shortNames: ['vsched'],
    printerColumns: [
      { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule', description: 'The cron expression.' },
      {
        name: 'Suspend',
        type: 'boolean',
        jsonPath: '.spec.suspend',
        description: 'Whether runs are suspended.',
      },
      {
        name: 'Last',
        type: 'date',
        jsonPath: '.status.lastScheduleTime',
        description: 'The latest run dealt with.',
      },
      { name: 'Next', type: 'date', jsonPath: '.status.nextScheduleTime', description: 'The next run.' },
      AGE,
    ],
    selectableFields: [],
  },
};

export function crdName(definition: Pick<KindDefinition, 'plural'>): string {
  return `${definition.plural}.${GROUP}`;
}
