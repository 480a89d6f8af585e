// Which schedules a change of a VM, VMSnapshot or VMRevert wakes, looked up through the indexes and filtered to
// the changes a schedule's decision can depend on. Every wake is a reconcile with a GET of the schedule, and a
// snapshot and its VM change several times each per snapshot (finalizer, phases, hold taken and released,
// current snapshot): waking on all of them made 5 schedule reconciles per scheduled snapshot at 10,000 VMs.
import type { LabelSelector } from '../../api/index.ts';
import { SCHEDULE_LABEL } from '../../api/vm-snapshot-schedule.ts';
import { jsonEqual } from '../../runtime/merge-patch.ts';
import { objectKey } from '../../runtime/object-key.ts';
import type { ChangeType } from '../../runtime/source.ts';
import type { ApiObject } from '../shared/resources.ts';
import { anyVm, inNamespace, namedVm, ofSchedule, type ScheduleIndexes, withLabel } from './indexes.ts';
import { labelsMatch } from './select-vms.ts';

const FINISHED_REVERT_PHASES = new Set(['Succeeded', 'Failed']);

/**
 * The schedules that select the VM now or selected it before this change (by name or label; one whose target
 * cannot be read is woken too, so its reconcile reports the problem), when the change is one a schedule reacts to:
 * the VM appearing or going, its labels, spec or deletion changing, or its hold being released (a run waiting for
 * a held VM takes its snapshot then). A hold being taken wakes nobody: it can only make a schedule wait, which its
 * next reconcile sees anyway.
 */
export function schedulesForVmChange(
  indexes: Pick<ScheduleIndexes, 'schedules'>,
  vm: ApiObject,
  change: ChangeType,
  previous: ApiObject | undefined,
): string[] {
  if (change === 'update' && previous !== undefined && !vmChangeMatters(previous, vm)) return [];
  const keys = new Set(schedulesSelecting(indexes, vm));
  if (previous !== undefined && !jsonEqual(previous.metadata.labels ?? {}, vm.metadata.labels ?? {})) {
    for (const key of schedulesSelecting(indexes, previous)) keys.add(key);
  }
  return [...keys];
}

function vmChangeMatters(previous: ApiObject, vm: ApiObject): boolean {
  return (
    !jsonEqual(previous.metadata.labels ?? {}, vm.metadata.labels ?? {}) ||
    !jsonEqual(previous.spec ?? {}, vm.spec ?? {}) ||
    previous.metadata.deletionTimestamp !== vm.metadata.deletionTimestamp ||
    (isHeld(previous) && !isHeld(vm))
  );
}

function isHeld(vm: ApiObject): boolean {
  const hold = vm.status?.hold;
  return hold !== undefined && hold !== null;
}

/**
 * The schedules of the VM's namespace that select it: only the candidates the index files under the VM's name,
 * its labels, or "any VM" are tested, not every schedule of the namespace.
 */
export function schedulesSelecting(indexes: Pick<ScheduleIndexes, 'schedules'>, vm: ApiObject): string[] {
  const namespace = vm.metadata.namespace ?? '';
  const name = vm.metadata.name ?? '';
  const labels = vm.metadata.labels ?? {};
  const candidates = [
    ...indexes.schedules.get(anyVm(namespace)),
    ...indexes.schedules.get(namedVm(namespace, name)),
    ...Object.entries(labels).flatMap(([label, value]) =>
      indexes.schedules.get(withLabel(namespace, label, value)),
    ),
  ];
  const keys = new Set<string>();
  for (const schedule of candidates) if (targets(schedule, name, labels)) keys.add(objectKey(schedule));
  return [...keys];
}

function targets(schedule: ApiObject, vmName: string, labels: Readonly<Record<string, string>>): boolean {
  const spec = schedule.spec as { vmNames?: unknown; selector?: unknown } | undefined;
  if (Array.isArray(spec?.vmNames)) return spec.vmNames.includes(vmName);
  if (typeof spec?.selector === 'object' && spec.selector !== null) {
    return labelsMatch(spec.selector as LabelSelector, labels);
  }
  return true;
}

/**
 * The schedule whose label the snapshot carries (and the one it carried before, if that changed), when the
 * change matters to it: the snapshot becoming Ready, Failed or Deleting, or going away (retention, Forbid,
 * lastSuccessfulTime and room under a VM's limit read only that). Its creation and the steps between Pending and
 * InProgress wake nobody: the schedule created it and treats every unfinished phase alike.
 */
export function schedulesForSnapshotChange(
  indexes: Pick<ScheduleIndexes, 'schedules'>,
  snapshot: ApiObject,
  change: ChangeType,
  previous: ApiObject | undefined,
): string[] {
  const before = change === 'add' ? undefined : previous;
  if (change === 'add' && retentionState(snapshot) === 'unfinished') return [];
  if (
    change === 'update' &&
    before !== undefined &&
    retentionState(before) === retentionState(snapshot) &&
    scheduleLabel(before) === scheduleLabel(snapshot)
  ) {
    return [];
  }
  const labels = new Set([scheduleLabel(snapshot), before === undefined ? undefined : scheduleLabel(before)]);
  const namespace = snapshot.metadata.namespace ?? '';
  return [...labels].flatMap((label) =>
    label === undefined ? [] : indexes.schedules.get(ofSchedule(namespace, label)).map(objectKey),
  );
}

function scheduleLabel(snapshot: ApiObject): string | undefined {
  return snapshot.metadata.labels?.[SCHEDULE_LABEL];
}

/** What a schedule's decision can tell apart: Pending, InProgress and no phase yet are all "unfinished". */
function retentionState(snapshot: ApiObject): 'unfinished' | 'Ready' | 'Failed' | 'Deleting' {
  if (snapshot.metadata.deletionTimestamp) return 'Deleting';
  const phase = snapshot.status?.phase;
  return phase === 'Ready' || phase === 'Failed' ? phase : 'unfinished';
}

/**
 * Every schedule of the revert's namespace, when the revert stops protecting a snapshot from pruning (it
 * finished, its snapshotName changed, or it is gone). A revert appearing or progressing only adds protection,
 * which wakes nobody: pruning less is never something a schedule has to do at once.
 */
export function schedulesForRevertChange(
  indexes: Pick<ScheduleIndexes, 'schedules'>,
  revert: ApiObject,
  change: ChangeType,
  previous: ApiObject | undefined,
): string[] {
  if (change === 'add') return [];
  if (change === 'update' && previous !== undefined && !protectionLifted(previous, revert)) return [];
  return indexes.schedules.get(inNamespace(revert.metadata.namespace ?? '')).map(objectKey);
}

function protectionLifted(previous: ApiObject, revert: ApiObject): boolean {
  const snapshotName = (r: ApiObject) => (r.spec as { snapshotName?: unknown } | undefined)?.snapshotName;
  const finished = (r: ApiObject) => FINISHED_REVERT_PHASES.has(String(r.status?.phase));
  return (finished(revert) && !finished(previous)) || snapshotName(previous) !== snapshotName(revert);
}
