// The informer-cache indexes the schedule controller reads through, so a reconcile and a watch event cost in
// proportion to the schedule's own VMs and snapshots, not to everything in its namespace: walking the namespace
// on every reconcile made the schedule controller 57 % of the operator's CPU at 1,000 schedules over 10,000 VMs
// (docs/performance.md, "Schedules at scale (sim)").
import { SCHEDULE_LABEL } from '../../api/vm-snapshot-schedule.ts';
import { CacheIndex, type IndexableSource } from '../../runtime/cache-index.ts';
import { labelValueFor } from '../../schedule/names.ts';
import type { ApiObject } from '../shared/resources.ts';

/** Index keys are parts joined by NUL, which no namespace, name, label key or value can contain. */
const key = (...parts: string[]) => parts.join('\0');

export const inNamespace = (namespace: string) => key('ns', namespace);
export const withLabel = (namespace: string, label: string, value: string) =>
  key('label', namespace, label, value);
/** A VM listed by name in some schedule's spec.vmNames. */
export const namedVm = (namespace: string, vmName: string) => key('name', namespace, vmName);
/** The snapshots whose vmsnap.io/schedule label is `labelValue`, and the schedules whose name gives that value. */
export const ofSchedule = (namespace: string, labelValue: string) => key('schedule', namespace, labelValue);
export const ofVm = (namespace: string, vmName: string) => key('vm', namespace, vmName);
/** Schedules whose target is neither names nor a selector with matchLabels: any VM of the namespace may match. */
export const anyVm = (namespace: string) => key('any', namespace);

export interface ScheduleIndexes {
  /** VMs by namespace and by each of their labels (withLabel). */
  vms: CacheIndex<ApiObject>;
  /** VMSnapshots by the schedule that took them (ofSchedule) and by the VM they are of (ofVm). */
  snapshots: CacheIndex<ApiObject>;
  /** VMReverts by namespace. */
  reverts: CacheIndex<ApiObject>;
  /**
   * Schedules by namespace, by their label value (ofSchedule), and by what a VM must have to be selected: each
   * name in spec.vmNames (namedVm), or one of the selector's matchLabels pairs (withLabel; a VM lacking it
   * cannot match), else anyVm.
   */
  schedules: CacheIndex<ApiObject>;
  /** Stops following the informers. */
  close(): void;
}

export interface IndexedSources {
  schedules: IndexableSource<ApiObject>;
  virtualMachines: IndexableSource<ApiObject>;
  snapshots: IndexableSource<ApiObject>;
  reverts: IndexableSource<ApiObject>;
}

export function scheduleIndexes(sources: IndexedSources): ScheduleIndexes {
  const indexes = {
    vms: new CacheIndex(sources.virtualMachines, vmKeys),
    snapshots: new CacheIndex(sources.snapshots, snapshotKeys),
    reverts: new CacheIndex(sources.reverts, (revert) => [inNamespace(namespaceOf(revert))]),
    schedules: new CacheIndex(sources.schedules, scheduleKeys),
  };
  return {
    ...indexes,
    close: () => {
      for (const index of Object.values(indexes)) index.close();
    },
  };
}

function namespaceOf(obj: ApiObject): string {
  return obj.metadata.namespace ?? '';
}

function* vmKeys(vm: ApiObject): Iterable<string> {
  const namespace = namespaceOf(vm);
  yield inNamespace(namespace);
  for (const [label, value] of Object.entries(vm.metadata.labels ?? {})) {
    yield withLabel(namespace, label, value);
  }
}

function* snapshotKeys(snapshot: ApiObject): Iterable<string> {
  const namespace = namespaceOf(snapshot);
  const schedule = snapshot.metadata.labels?.[SCHEDULE_LABEL];
  if (schedule !== undefined) yield ofSchedule(namespace, schedule);
  const vmName = (snapshot.spec as { vmName?: unknown } | undefined)?.vmName;
  if (typeof vmName === 'string') yield ofVm(namespace, vmName);
}

/** Read from the raw object: a schedule whose spec does not parse is still filed (under anyVm), never dropped. */
function* scheduleKeys(schedule: ApiObject): Iterable<string> {
  const namespace = namespaceOf(schedule);
  yield inNamespace(namespace);
  yield ofSchedule(namespace, labelValueFor(schedule.metadata.name ?? ''));
  const spec = schedule.spec as { vmNames?: unknown; selector?: unknown } | undefined;
  if (Array.isArray(spec?.vmNames)) {
    for (const name of spec.vmNames) if (typeof name === 'string') yield namedVm(namespace, name);
    return;
  }
  const matchLabels = (spec?.selector as { matchLabels?: unknown } | undefined)?.matchLabels;
  const pairs =
    typeof matchLabels === 'object' && matchLabels !== null
      ? Object.entries(matchLabels).filter((pair): pair is [string, string] => typeof pair[1] === 'string')
      : [];
  const first = pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))[0];
  yield first === undefined ? anyVm(namespace) : withLabel(namespace, first[0], first[1]);
}
