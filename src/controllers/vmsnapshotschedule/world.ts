// Reads what one schedule reconcile decides on: the VMs it selects, the snapshots it took, and the snapshots
// reverts in progress refer to. Everything but the schedule itself comes from the informer caches.
import { parseVirtualMachine } from '../../api/virtual-machine.ts';
import { SCHEDULE_LABEL, type VMSnapshotSchedule } from '../../api/vm-snapshot-schedule.ts';
import type { RetainablePhase } from '../../schedule/index.ts';
import { labelValueFor } from '../../schedule/names.ts';
import type { ObjectCache } from '../shared/deps.ts';
import type { ApiObject } from '../shared/resources.ts';
import type { OwnedSnapshot } from './decide.ts';
import { SCHEDULED_AT_ANNOTATION } from './resources.ts';
import { selectVmNames } from './select-vms.ts';

const FINISHED_REVERT_PHASES = new Set(['Succeeded', 'Failed']);
const SNAPSHOT_PHASES = new Set(['Pending', 'InProgress', 'Ready', 'Failed', 'Deleting']);

export function selectedVmNames(schedule: VMSnapshotSchedule, vms: ObjectCache): string[] {
  const inNamespace = vms
    .list()
    .filter((vm) => vm.metadata.namespace === schedule.identity.namespace)
    .map(parseVirtualMachine)
    .flatMap((parsed) => (parsed.ok ? [parsed.value.identity] : []));
  return selectVmNames(schedule.spec.target, inNamespace);
}

/** The snapshots carrying this schedule's label, in its namespace. */
export function ownedSnapshots(schedule: VMSnapshotSchedule, snapshots: ObjectCache): OwnedSnapshot[] {
  const label = labelValueFor(schedule.identity.name);
  return snapshots
    .list()
    .filter(
      (s) =>
        s.metadata.namespace === schedule.identity.namespace && s.metadata.labels?.[SCHEDULE_LABEL] === label,
    )
    .map(toOwned);
}

function toOwned(snapshot: ApiObject): OwnedSnapshot {
  const scheduledAt = snapshot.metadata.annotations?.[SCHEDULED_AT_ANNOTATION];
  const runAt = new Date(scheduledAt ?? snapshot.metadata.creationTimestamp ?? 0);
  const spec = snapshot.spec as { vmName?: unknown } | undefined;
  const phase = snapshot.status?.phase;
  return {
    name: snapshot.metadata.name ?? '',
    vmName: typeof spec?.vmName === 'string' ? spec.vmName : '',
    runAt: Number.isNaN(runAt.getTime()) ? new Date(0) : runAt,
    phase: snapshot.metadata.deletionTimestamp
      ? 'Deleting'
      : typeof phase === 'string' && SNAPSHOT_PHASES.has(phase)
        ? (phase as RetainablePhase)
        : undefined,
  };
}

/** Snapshots that VMRevert objects not yet finished refer to, in the schedule's namespace. */
export function protectedSnapshotNames(namespace: string, reverts: ObjectCache): Set<string> {
  const names = new Set<string>();
  for (const revert of reverts.list()) {
    if (revert.metadata.namespace !== namespace) continue;
    const phase = revert.status?.phase;
    if (typeof phase === 'string' && FINISHED_REVERT_PHASES.has(phase)) continue;
    const snapshotName = (revert.spec as { snapshotName?: unknown } | undefined)?.snapshotName;
    if (typeof snapshotName === 'string') names.add(snapshotName);
  }
  return names;
}
