// Reads what one schedule reconcile decides on: the VMs it selects (and what may hold their snapshots back), the
// snapshots it took, and the snapshots reverts in progress refer to. Everything but the schedule itself comes
// from the informer caches.
import { parseHypervisor } from '../../api/hypervisor.ts';
import { parseVirtualMachine, type VirtualMachine } from '../../api/virtual-machine.ts';
import { SCHEDULE_LABEL, type VMSnapshotSchedule } from '../../api/vm-snapshot-schedule.ts';
import type { RetainablePhase } from '../../schedule/index.ts';
import { labelValueFor } from '../../schedule/names.ts';
import type { ObjectCache } from '../shared/deps.ts';
import type { ApiObject } from '../shared/resources.ts';
import { hypervisorView, vmView } from '../shared/to-views.ts';
import { snapshotLimit } from '../vmsnapshot/decide.ts';
import type { OwnedSnapshot } from './decide.ts';
import { SCHEDULED_AT_ANNOTATION } from './resources.ts';
import type { VmGate } from './room.ts';
import { selectVmNames } from './select-vms.ts';

const FINISHED_REVERT_PHASES = new Set(['Succeeded', 'Failed']);
const SNAPSHOT_PHASES = new Set(['Pending', 'InProgress', 'Ready', 'Failed', 'Deleting']);

export function selectedVmNames(schedule: VMSnapshotSchedule, vms: ObjectCache): string[] {
  return selectedVms(schedule, vms).map((vm) => vm.identity.name);
}

/**
 * The VMs the schedule selects, parsed, sorted by name. Selection reads only names and labels, so only the selected
 * VMs are parsed: parsing every VM in the namespace on every reconcile cost ~53 ms per 1,000 VMs and made the
 * schedule controller most of the operator's CPU at 1,000 VMs (bench/schedule-scale-sim.ts, docs/performance.md).
 */
export function selectedVms(schedule: VMSnapshotSchedule, vms: ObjectCache): VirtualMachine[] {
  const inNamespace = new Map<string, ApiObject>();
  for (const raw of vms.list()) {
    if (raw.metadata.namespace !== schedule.identity.namespace || raw.metadata.name === undefined) continue;
    inNamespace.set(raw.metadata.name, raw);
  }
  const candidates = [...inNamespace.values()].map((raw) => ({
    name: raw.metadata.name ?? '',
    labels: raw.metadata.labels ?? {},
  }));
  return selectVmNames(schedule.spec.target, candidates).flatMap((name) => {
    const raw = inNamespace.get(name);
    const parsed = raw === undefined ? undefined : parseVirtualMachine(raw);
    return parsed?.ok ? [parsed.value] : [];
  });
}

/**
 * Per selected VM: held or not, its snapshot limit (the same rule the VMSnapshot controller applies:
 * spec.maxSnapshots, else the hypervisor's probed limit) and how many of its VMSnapshots count toward it. The
 * snapshots are counted in one pass over the namespace, and only when some VM has a limit.
 */
export function vmGates(
  vms: readonly VirtualMachine[],
  snapshots: ObjectCache,
  hypervisors: ObjectCache,
): Map<string, VmGate> {
  const gates = new Map<string, VmGate>();
  for (const vm of vms) {
    const raw = hypervisors.get(undefined, vm.spec.hypervisorName);
    const hypervisor = raw === undefined ? undefined : parseHypervisor(raw);
    const limit = snapshotLimit(vmView(vm), hypervisor?.ok ? hypervisorView(hypervisor.value) : undefined);
    gates.set(vm.identity.name, { held: vm.status.hold !== undefined, limit: limit?.max, snapshots: 0 });
  }
  if (![...gates.values()].some((gate) => gate.limit !== undefined)) return gates;
  const namespace = vms[0]?.identity.namespace;
  for (const snapshot of snapshots.list()) {
    if (snapshot.metadata.namespace !== namespace || !countsTowardLimit(snapshot)) continue;
    const vmName = (snapshot.spec as { vmName?: unknown } | undefined)?.vmName;
    const gate = typeof vmName === 'string' ? gates.get(vmName) : undefined;
    if (gate) gate.snapshots += 1;
  }
  return gates;
}

/** Exists or may yet exist on the hypervisor: all but Failed ones; one being deleted counts until it is gone. */
function countsTowardLimit(snapshot: ApiObject): boolean {
  return snapshot.metadata.deletionTimestamp !== undefined || snapshot.status?.phase !== 'Failed';
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
