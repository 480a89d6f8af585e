/**
 * VMSnapshotSchedule objects in each state its controller leaves them in, and what Argo CD and kstatus must read
 * from each. The Ready, Suspended and waiting states come from the controller's own decision (decideSchedule) so
 * the fixtures follow it; an invalid schedule is written by the reconciler (reportInvalid), rebuilt here the way it
 * writes it. Same shape as test/observability/status-fixtures.ts, which holds the other kinds.
 */
import { Reason } from '../../src/api/conditions.ts';
import { parseVMSnapshotSchedule } from '../../src/api/index.ts';
import { decideSchedule, type OwnedSnapshot } from '../../src/controllers/vmsnapshotschedule/decide.ts';
import {
  type Condition,
  type KstatusResult,
  readyConditions,
  setConditions,
} from '../../src/runtime/conditions.ts';
import type { ArgoHealth } from '../observability/status-fixtures.ts';

export interface ScheduleFixture {
  title: string;
  object: ScheduleObject;
  kstatus: KstatusResult;
  argo: ArgoHealth;
  /** A piece of the Argo CD health message, so the UI says why. */
  argoMessage: string;
}

interface ScheduleObject {
  apiVersion: 'vmsnap.io/v1alpha1';
  kind: 'VMSnapshotSchedule';
  metadata: { name: string; namespace: string; uid: string; generation: number; creationTimestamp: string };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

const NOW = new Date('2026-11-24T10:00:05Z');
const HOURLY = { schedule: '0 * * * *', vmNames: ['web-1', 'web-2'], retention: { keepLast: 24 } };

function object(
  spec: Record<string, unknown>,
  status: Record<string, unknown> | undefined,
  meta: { created?: string; generation?: number } = {},
): ScheduleObject {
  return {
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'VMSnapshotSchedule',
    metadata: {
      name: 'hourly',
      namespace: 'prod',
      uid: 'uid-hourly',
      generation: meta.generation ?? 1,
      creationTimestamp: meta.created ?? '2026-11-24T09:30:00Z',
    },
    spec,
    ...(status === undefined ? {} : { status }),
  };
}

/** The object with the status decideSchedule writes for it at NOW (a JSON round trip, as the API server stores it). */
function decided(base: ScheduleObject, owned: OwnedSnapshot[] = []): ScheduleObject {
  const parsed = parseVMSnapshotSchedule(base);
  if (!parsed.ok) throw parsed.error;
  const decision = decideSchedule({
    schedule: parsed.value,
    createdAt: new Date(base.metadata.creationTimestamp),
    vmNames: HOURLY.vmNames,
    owned,
    protectedNames: new Set(),
    now: NOW,
  });
  return { ...base, status: JSON.parse(JSON.stringify(decision.status)) };
}

/** What reportInvalid writes for a cron expression the API server let through: its parse error, Stalled. */
function invalidSchedule(): ScheduleObject {
  const base = object({ ...HOURLY, schedule: '61 * * * *' }, {});
  const parsed = parseVMSnapshotSchedule(base);
  if (parsed.ok) throw new Error('fixture: "61 * * * *" should not parse');
  const conditions: Condition[] = [];
  setConditions(
    conditions,
    readyConditions('Stalled', {
      reason: Reason.InvalidSchedule,
      message: parsed.error.message,
      observedGeneration: 1,
    }),
    NOW,
  );
  return { ...base, status: { observedGeneration: 1, conditions } };
}

export const SCHEDULE_FIXTURES: readonly ScheduleFixture[] = [
  {
    title: 'just created, not yet seen by the operator (no status)',
    object: object(HOURLY, undefined),
    kstatus: 'Current',
    argo: 'Progressing',
    argoMessage: 'Waiting for the vmsnap operator to pick up this VMSnapshotSchedule',
  },
  {
    title: 'waiting for its first run',
    object: decided(object(HOURLY, {}, { created: '2026-11-24T10:00:01Z' })),
    kstatus: 'Current',
    argo: 'Healthy',
    argoMessage: 'Scheduled: ',
  },
  {
    title: 'took a run',
    object: decided(object(HOURLY, {})),
    kstatus: 'Current',
    argo: 'Healthy',
    argoMessage: 'last run 2026-11-24T10:00:00Z',
  },
  {
    title: "holding a run back while the previous run's snapshots are unfinished (Forbid)",
    object: decided(
      object(HOURLY, {
        lastScheduleTime: '2026-11-24T09:00:00Z',
        nextScheduleTime: '2026-11-24T10:00:00Z',
      }),
      [
        {
          name: 'hourly-web-1-0900',
          vmName: 'web-1',
          runAt: new Date('2026-11-24T09:00:00Z'),
          phase: 'InProgress',
        },
      ],
    ),
    kstatus: 'InProgress',
    argo: 'Progressing',
    argoMessage: 'WaitingForPreviousRun',
  },
  {
    title: 'suspended',
    object: decided(object({ ...HOURLY, suspend: true }, {})),
    kstatus: 'Current',
    argo: 'Suspended',
    argoMessage: 'Suspended: ',
  },
  {
    title: 'suspended in the spec, not yet observed',
    object: (() => {
      const seen = decided(object(HOURLY, {}));
      return { ...seen, spec: { ...HOURLY, suspend: true }, metadata: { ...seen.metadata, generation: 2 } };
    })(),
    kstatus: 'InProgress',
    argo: 'Progressing',
    argoMessage: 'observe generation 2',
  },
  {
    title: 'with a cron expression out of range',
    object: invalidSchedule(),
    kstatus: 'Failed',
    argo: 'Degraded',
    argoMessage: 'InvalidSchedule: VMSnapshotSchedule "prod/hourly" is invalid: spec.schedule',
  },
];
