// Reads what one schedule reconcile decides on: the VMs it selects (and what may hold their snapshots back), the
// snapshots it took, and the snapshots reverts in progress refer to. Everything but the schedule itself comes
// from the informer caches, through indexes (indexes.ts), so a reconcile costs in proportion to its own VMs and
// snapshots, not to its namespace.
import { parseHypervisor } from '../../api/hypervisor.ts';
import type { LabelSelector } from '../../api/index.ts';
import { parseVirtualMachine, type VirtualMachine } from '../../api/virtual-machine.ts';
import type { VMSnapshotSchedule } from '../../api/vm-snapshot-schedule.ts';
import type { CacheIndex } from '../../runtime/cache-index.ts';
import type { RetainablePhase } from '../../schedule/index.ts';
import { labelValueFor } from '../../schedule/names.ts';
import type { ObjectCache } from '../shared/deps.ts';
import type { ApiObject } from '../shared/resources.ts';
import { hypervisorView as toHypervisorView, vmView } from '../shared/to-views.ts';
import type { HypervisorView } from '../views.ts';
import { snapshotLimit } from '../vmsnapshot/decide.ts';
import type { OwnedSnapshot } from './decide.ts';
import { inNamespace, ofSchedule, ofVm, type ScheduleIndexes, withLabel } from './indexes.ts';
import { SCHEDULED_AT_ANNOTATION } from './resources.ts';
import type { VmGate } from './room.ts';
import { selectVmNames } from './select-vms.ts';

const FINISHED_REVERT_PHASES = new Set(['Succeeded', 'Failed']);
const SNAPSHOT_PHASES = new Set(['Pending', 'InProgress', 'Ready', 'Failed', 'Deleting']);

/** The caches a reconcile reads: VMs and Hypervisors by name, the rest through the indexes. */
export interface ScheduleCaches {
  virtualMachines: ObjectCache;
  hypervisors: ObjectCache;
  indexes: Pick<ScheduleIndexes, 'vms' | 'snapshots' | 'reverts'>;
}

/**
 * The VMs the schedule selects, parsed, sorted by name. Only candidates are looked at: the VMs it names, or those
 * carrying the rarest of its selector's matchLabels pairs (the whole namespace only for a selector without
 * matchLabels). Only the selected VMs are parsed: parsing every VM of the namespace cost ~53 ms per 1,000 VMs, and
 * walking them all 30 % of the operator's CPU at 10,000 VMs (bench/schedule-scale-sim.ts, docs/performance.md).
 */
export function selectedVms(schedule: VMSnapshotSchedule, caches: ScheduleCaches): VirtualMachine[] {
  const namespace = schedule.identity.namespace;
  const { target } = schedule.spec;
  const candidates =
    target.by === 'names'
      ? [...new Set(target.vmNames)].flatMap((name) => caches.virtualMachines.get(namespace, name) ?? [])
      : selectorCandidates(namespace, target.selector, caches.indexes.vms);
  const byName = new Map(candidates.map((raw) => [raw.metadata.name ?? '', raw]));
  const named = [...byName.values()].map((raw) => ({
    name: raw.metadata.name ?? '',
    labels: raw.metadata.labels ?? {},
  }));
  return selectVmNames(target, named).flatMap((name) => {
    const raw = byName.get(name);
    const parsed = raw === undefined ? undefined : parseVirtualMachine(raw);
    return parsed?.ok ? [parsed.value] : [];
  });
}

/** A VM matching the selector carries every matchLabels pair, so the pair fewest VMs carry bounds the candidates. */
function selectorCandidates(
  namespace: string,
  selector: LabelSelector,
  vms: CacheIndex<ApiObject>,
): ApiObject[] {
  let rarest: string | undefined;
  for (const [label, value] of Object.entries(selector.matchLabels ?? {})) {
    const key = withLabel(namespace, label, value);
    if (rarest === undefined || vms.count(key) < vms.count(rarest)) rarest = key;
  }
  return vms.get(rarest ?? inNamespace(namespace));
}

/**
 * Per selected VM: held or not, its snapshot limit (the same rule the VMSnapshot controller applies:
 * spec.maxSnapshots, else the hypervisor's probed limit) and, for a VM with a limit, how many of its VMSnapshots
 * count toward it. Each Hypervisor is parsed once per call, however many of the VMs are on it.
 */
export function vmGates(vms: readonly VirtualMachine[], caches: ScheduleCaches): Map<string, VmGate> {
  const hypervisorViews = new Map<string, HypervisorView | undefined>();
  const hypervisorView = (name: string) => {
    if (!hypervisorViews.has(name)) {
      const raw = caches.hypervisors.get(undefined, name);
      const parsed = raw === undefined ? undefined : parseHypervisor(raw);
      hypervisorViews.set(name, parsed?.ok ? toHypervisorView(parsed.value) : undefined);
    }
    return hypervisorViews.get(name);
  };
  const gates = new Map<string, VmGate>();
  for (const vm of vms) {
    const limit = snapshotLimit(vmView(vm), hypervisorView(vm.spec.hypervisorName))?.max;
    const snapshots =
      limit === undefined
        ? 0
        : caches.indexes.snapshots
            .get(ofVm(vm.identity.namespace, vm.identity.name))
            .filter(countsTowardLimit).length;
    gates.set(vm.identity.name, { held: vm.status.hold !== undefined, limit, snapshots });
  }
  return gates;
}

/** Exists or may yet exist on the hypervisor: all but Failed ones; one being deleted counts until it is gone. */
function countsTowardLimit(snapshot: ApiObject): boolean {
  return snapshot.metadata.deletionTimestamp !== undefined || snapshot.status?.phase !== 'Failed';
}

/** The snapshots carrying this schedule's label, in its namespace, by name. */
export function ownedSnapshots(schedule: VMSnapshotSchedule, caches: ScheduleCaches): OwnedSnapshot[] {
  const label = labelValueFor(schedule.identity.name);
  return caches.indexes.snapshots
    .get(ofSchedule(schedule.identity.namespace, label))
    .map(toOwned)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
export function protectedSnapshotNames(namespace: string, caches: ScheduleCaches): Set<string> {
  const names = new Set<string>();
  for (const revert of caches.indexes.reverts.get(inNamespace(namespace))) {
    const phase = revert.status?.phase;
    if (typeof phase === 'string' && FINISHED_REVERT_PHASES.has(phase)) continue;
    const snapshotName = (revert.spec as { snapshotName?: unknown } | undefined)?.snapshotName;
    if (typeof snapshotName === 'string') names.add(snapshotName);
  }
  return names;
}
