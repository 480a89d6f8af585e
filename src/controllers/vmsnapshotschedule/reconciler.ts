import { Reason } from '../../api/conditions.ts';
import { formatDurationMs } from '../../api/duration.ts';
import { API_VERSION } from '../../api/group.ts';
import {
  parseVMSnapshotSchedule,
  SCHEDULE_LABEL,
  VM_LABEL,
  type VMSnapshotSchedule,
} from '../../api/vm-snapshot-schedule.ts';
import { type Condition, readyConditions, setConditions } from '../../runtime/conditions.ts';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { KubeClient } from '../../runtime/kube-client.ts';
import { isAlreadyExists, isNotFound } from '../../runtime/kube-error.ts';
import { splitKey } from '../../runtime/object-key.ts';
import type { StatusWriter } from '../../runtime/status-writer.ts';
import { labelValueFor } from '../../schedule/names.ts';
import type { ObjectCache } from '../shared/deps.ts';
import { type ApiObject, VM_SNAPSHOTS } from '../shared/resources.ts';
import { decideSchedule, rfc3339, type SnapshotToCreate } from './decide.ts';
import { SCHEDULED_AT_ANNOTATION, VM_SNAPSHOT_SCHEDULES } from './resources.ts';
import {
  ownedSnapshots,
  protectedSnapshotNames,
  type ScheduleCaches,
  selectedVms,
  vmGates,
} from './world.ts';

export interface ScheduleDeps {
  client: KubeClient;
  statusWriter: StatusWriter;
  events: EventRecorder;
  virtualMachines: ObjectCache;
  /** For each VM's default snapshot limit (the Hypervisor's status.capabilities.maxSnapshotsPerVM). */
  hypervisors: ObjectCache;
  /** VMs, VMSnapshots and VMReverts as the reconcile looks them up (register.ts builds them over the informers). */
  indexes: ScheduleCaches['indexes'];
  /** The injected clock: run times are computed against it. */
  now: () => Date;
}

/**
 * Reconciles a VMSnapshotSchedule: reads it from the API server (fresh, so its status is not stale), the VMs it
 * selects, the snapshots it took and the reverts in progress from the caches, lets decideSchedule choose, then
 * (1) writes status guarded by resourceVersion, (2) creates the run's snapshots, (3) deletes what retention prunes.
 *
 * Crash points: after (1) the run is recorded and stays open, so the next reconcile creates whatever (2) did not;
 * after (2) creations answer AlreadyExists; (3) is repeated from the same inputs. A concurrent writer makes (1) fail
 * with Conflict and the reconcile retry from fresh state, so missed runs are never counted twice.
 * Deleting a schedule needs no finalizer: the snapshots it took outlive it and nothing else is left behind.
 */
export function vmSnapshotScheduleReconciler(deps: ScheduleDeps): Reconciler {
  return async (key: string, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const { namespace, name } = splitKey(key);
    const raw = await deps.client.find<ApiObject>(VM_SNAPSHOT_SCHEDULES, {
      namespace: namespace ?? '',
      name,
    });
    if (!raw || raw.metadata.deletionTimestamp) return {};
    const parsed = parseVMSnapshotSchedule(raw);
    if (!parsed.ok) {
      await reportInvalid(deps, raw, parsed.error.issues, parsed.error.message);
      return {};
    }
    const schedule = parsed.value;
    const vms = selectedVms(schedule, deps);
    const decision = decideSchedule({
      schedule,
      createdAt: new Date(raw.metadata.creationTimestamp ?? deps.now().toISOString()),
      vmNames: vms.map((vm) => vm.identity.name),
      vmGates: vmGates(vms, deps),
      owned: ownedSnapshots(schedule, deps),
      protectedNames: protectedSnapshotNames(schedule.identity.namespace, deps),
      now: deps.now(),
    });
    await deps.statusWriter.replace(
      VM_SNAPSHOT_SCHEDULES,
      raw,
      decision.status as unknown as Record<string, unknown>,
    );
    for (const snapshot of decision.create) await createSnapshot(deps, schedule, snapshot);
    if (decision.create.length > 0) {
      const runAt = rfc3339(decision.create[0]?.runAt ?? deps.now());
      const names = decision.create.map((c) => c.vmName).join(', ');
      void deps.events.normal(raw, 'SnapshotsCreated', 'Create', `run ${runAt}: snapshots of ${names}`);
    }
    for (const doomed of decision.delete) await deleteSnapshot(deps, schedule.identity.namespace, doomed);
    for (const notice of decision.notices) {
      const record = notice.type === 'Warning' ? deps.events.warning : deps.events.normal;
      void record.call(deps.events, raw, notice.reason, 'Schedule', notice.message);
    }
    ctx.log.debug(
      {
        created: decision.create.length,
        deleted: decision.delete.length,
        next: decision.status.nextScheduleTime,
      },
      'schedule reconciled',
    );
    return decision.requeueAfterMs === undefined ? {} : { requeueAfterMs: decision.requeueAfterMs };
  };
}

async function createSnapshot(deps: ScheduleDeps, schedule: VMSnapshotSchedule, snapshot: SnapshotToCreate) {
  const { template } = schedule.spec;
  const body: ApiObject = {
    apiVersion: API_VERSION,
    kind: 'VMSnapshot',
    metadata: {
      name: snapshot.name,
      namespace: schedule.identity.namespace,
      labels: {
        [SCHEDULE_LABEL]: labelValueFor(schedule.identity.name),
        [VM_LABEL]: labelValueFor(snapshot.vmName),
      },
      annotations: { [SCHEDULED_AT_ANNOTATION]: rfc3339(snapshot.runAt) },
    },
    spec: {
      vmName: snapshot.vmName,
      memory: template.memory,
      quiesce: template.quiesce,
      ...(template.description === '' ? {} : { description: template.description }),
      deletionPolicy: template.deletionPolicy,
      failureDeadline:
        template.failureDeadlineMs === undefined ? '0' : formatDurationMs(template.failureDeadlineMs),
    },
  };
  try {
    await deps.client.create(VM_SNAPSHOTS, body);
  } catch (error) {
    // The run was taken before a crash or by a reconcile whose cache was behind: the name says it is the same run.
    if (!isAlreadyExists(error)) throw error;
  }
}

async function deleteSnapshot(deps: ScheduleDeps, namespace: string, name: string) {
  try {
    await deps.client.delete(VM_SNAPSHOTS, { namespace, name });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Ready=False, Stalled: InvalidSchedule for a bad cron expression or time zone, else InvalidSpec. */
async function reportInvalid(
  deps: ScheduleDeps,
  raw: ApiObject,
  issues: readonly { field: string }[],
  message: string,
) {
  const scheduleOnly = issues.every((i) => i.field === 'spec.schedule' || i.field === 'spec.timeZone');
  const reason = scheduleOnly ? Reason.InvalidSchedule : Reason.InvalidSpec;
  const generation = raw.metadata.generation ?? 0;
  const conditions = ((raw.status?.conditions as Condition[] | undefined) ?? []).map((c) => ({ ...c }));
  setConditions(
    conditions,
    readyConditions('Stalled', { reason, message, observedGeneration: generation }),
    deps.now(),
  );
  const status = { ...raw.status, observedGeneration: generation, conditions };
  await deps.statusWriter.replace(VM_SNAPSHOT_SCHEDULES, raw, status);
}
