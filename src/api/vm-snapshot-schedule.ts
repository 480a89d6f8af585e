// VMSnapshotSchedule (namespaced): takes VMSnapshots of the selected VMs on a cron schedule and prunes the ones it
// took by a retention policy. The run-time and retention logic lives in src/schedule/.
import { z } from 'zod';
import { CONCURRENCY_POLICIES, type ConcurrencyPolicy } from '../schedule/concurrency.ts';
import { CRON_HINT, CRON_PATTERN, checkRunSchedule, TIME_ZONE_PATTERN } from '../schedule/cron.ts';
import type { Retention } from '../schedule/retention.ts';
import {
  type Condition,
  conditionsSchema,
  duration,
  objectName,
  observedGeneration,
  timestamp,
} from './common.ts';
import { parseDurationMs } from './duration.ts';
import { type LabelSelector, labelSelectorSchema } from './label-selector.ts';
import { checkObject, type KindShape, type ObjectIdentity, objectSchema } from './parse.ts';
import { fail, InvalidObjectError, ok, type Result } from './result.ts';
import { type VMSnapshotSpec, vmSnapshotSpecSchema } from './vm-snapshot.ts';

export { CONCURRENCY_POLICIES, type ConcurrencyPolicy } from '../schedule/concurrency.ts';

export const DEFAULT_TIME_ZONE = 'UTC';

/** Labels on every snapshot a schedule takes: which schedule took it, for which VM. Retention reads them. */
export const SCHEDULE_LABEL = 'vmsnap.io/schedule';
export const VM_LABEL = 'vmsnap.io/vm';

/** Per-rule upper bound: a year of hourly snapshots is 8784; nobody keeps more by count. */
const MAX_KEEP = 10_000;

const RETENTION_FIELDS = ['keepLast', 'hourly', 'daily', 'weekly', 'monthly'] as const;

function keepCount(description: string) {
  return z.int().min(0).max(MAX_KEEP).optional().describe(description);
}

const RETENTION_RULE = {
  rule: RETENTION_FIELDS.map((field) => `(has(self.${field}) && self.${field} > 0)`).join(' || '),
  message: `spec.retention must keep something: set at least one of ${RETENTION_FIELDS.join(', ')} above 0`,
};

export const retentionSchema = z
  .object({
    keepLast: keepCount('Keep the newest n Ready snapshots.'),
    hourly: keepCount(
      'Keep the newest snapshot of each of the last n hours that have one (schedule time zone).',
    ),
    daily: keepCount('Keep the newest snapshot of each of the last n days that have one.'),
    weekly: keepCount(
      'Keep the newest snapshot of each of the last n ISO weeks (Monday first) that have one.',
    ),
    monthly: keepCount('Keep the newest snapshot of each of the last n months that have one.'),
  })
  .meta({ 'x-kubernetes-validations': [RETENTION_RULE] })
  .describe(
    'Which snapshots this schedule took to keep, per VM; the union of the rules is kept, the rest deleted ' +
      '(Failed ones beyond the newest 3 too). At least one rule above 0.',
  )
  .superRefine((retention, context) => {
    if (RETENTION_FIELDS.every((field) => (retention[field] ?? 0) === 0)) {
      context.addIssue({ code: 'custom', message: RETENTION_RULE.message });
    }
  });

const TARGET_RULE = {
  rule: 'has(self.selector) != has(self.vmNames)',
  message: 'exactly one of spec.selector and spec.vmNames must be set',
};

// The VMSnapshot spec minus vmName (the schedule supplies it), and without the immutability rule: a schedule's
// template may change; it only shapes the snapshots taken after the change.
const { vmName: _vmName, ...snapshotTemplateFields } = vmSnapshotSpecSchema.shape;
export const snapshotTemplateSchema = z
  .object(snapshotTemplateFields)
  .describe('The spec of each VMSnapshot taken (a VMSnapshot spec without vmName).');

export const vmSnapshotScheduleSpecSchema = z
  .object({
    schedule: z
      .string()
      .max(256)
      .regex(new RegExp(CRON_PATTERN), { error: `must be ${CRON_HINT}` })
      .describe(`When to take snapshots: ${CRON_HINT}.`),
    timeZone: z
      .string()
      .max(64)
      .regex(new RegExp(TIME_ZONE_PATTERN), { error: 'must be an IANA time zone name such as Europe/Berlin' })
      .default(DEFAULT_TIME_ZONE)
      .describe('IANA time zone the schedule and the retention buckets are read in. Default UTC.'),
    selector: labelSelectorSchema
      .optional()
      .describe(
        'VirtualMachines in this namespace to snapshot, by label. Exactly one of selector and vmNames.',
      ),
    vmNames: z
      .array(objectName('Name of a VirtualMachine in this namespace.'))
      .min(1)
      .max(1000)
      .meta({ 'x-kubernetes-list-type': 'set' })
      .optional()
      .describe(
        'VirtualMachines in this namespace to snapshot, by name. Exactly one of selector and vmNames.',
      ),
    template: snapshotTemplateSchema.prefault({}),
    retention: retentionSchema,
    suspend: z
      .boolean()
      .default(false)
      .describe('True: take no snapshots and prune none until set back to false; runs meanwhile are missed.'),
    startingDeadlineSeconds: z
      .int()
      .min(1)
      .optional()
      .describe(
        'A run not started within this many seconds of its time is skipped and counted in missedRuns; a VM ' +
          'whose snapshot cannot start within it of its spread slot (held by another operation, at its ' +
          'maxSnapshots) is skipped for that run. Absent: a late run is always taken (only the most recent ' +
          'one of several missed runs).',
      ),
    concurrencyPolicy: z
      .enum(CONCURRENCY_POLICIES)
      .default('Forbid')
      .describe(
        "Forbid: a run waits while snapshots of this schedule's earlier runs are unfinished. Allow: it does not.",
      ),
    spread: duration(
      "Spread each run's snapshots over this window, at an offset fixed per VM (e.g. 2m); 0 starts all at once.",
    ).default('0'),
  })
  .meta({ 'x-kubernetes-validations': [TARGET_RULE] })
  .describe('When to snapshot which VMs, how, and which snapshots to keep.')
  .superRefine((spec, context) => {
    if ((spec.selector === undefined) === (spec.vmNames === undefined)) {
      context.addIssue({ code: 'custom', path: ['selector'], message: TARGET_RULE.message });
    }
  });

export const vmSnapshotScheduleStatusSchema = z
  .object({
    observedGeneration,
    conditions: conditionsSchema,
    lastScheduleTime: timestamp.optional().describe('The latest run taken (its scheduled time, RFC 3339).'),
    nextScheduleTime: timestamp
      .optional()
      .describe('The next run to take (RFC 3339); every run before it was taken or counted in missedRuns.'),
    lastSuccessfulTime: timestamp
      .optional()
      .describe("When a run's snapshots last all became Ready (the run's time, RFC 3339)."),
    missedRuns: z
      .int()
      .min(0)
      .optional()
      .describe('Runs skipped since the schedule was created: missed by more than startingDeadlineSeconds.'),
  })
  .describe('The observed state of the schedule.');

export const vmSnapshotScheduleShape = {
  kind: 'VMSnapshotSchedule',
  namespaced: true,
  spec: vmSnapshotScheduleSpecSchema,
  status: vmSnapshotScheduleStatusSchema,
} satisfies KindShape<typeof vmSnapshotScheduleSpecSchema, typeof vmSnapshotScheduleStatusSchema>;

export const vmSnapshotScheduleSchema = objectSchema(vmSnapshotScheduleShape);

// Wire types: what manifests and the API server carry.
export type VMSnapshotScheduleWire = z.input<typeof vmSnapshotScheduleSchema>;
export type VMSnapshotScheduleSpecWire = z.input<typeof vmSnapshotScheduleSpecSchema>;
export type VMSnapshotScheduleStatusWire = z.output<typeof vmSnapshotScheduleStatusSchema>;

// Domain types: what controllers work with.
export type ScheduleTarget = { by: 'selector'; selector: LabelSelector } | { by: 'names'; vmNames: string[] };

export interface VMSnapshotScheduleSpec {
  /** The cron expression as written (5 fields or a nickname). */
  schedule: string;
  timeZone: string;
  target: ScheduleTarget;
  template: Omit<VMSnapshotSpec, 'vmName'>;
  /** Every rule present; 0 = rule off. */
  retention: Retention;
  suspend: boolean;
  /** undefined: no deadline. */
  startingDeadlineSeconds: number | undefined;
  concurrencyPolicy: ConcurrencyPolicy;
  /** 0: no spreading. */
  spreadMs: number;
}

/** The status as last written; controllers write back the wire form (VMSnapshotScheduleStatusWire). */
export interface VMSnapshotScheduleStatus extends Omit<VMSnapshotScheduleStatusWire, 'conditions'> {
  conditions: Condition[];
}

export interface VMSnapshotSchedule {
  identity: ObjectIdentity;
  spec: VMSnapshotScheduleSpec;
  status: VMSnapshotScheduleStatus;
}

/**
 * Checks the object, including what admission cannot (whether the cron fields are in range, whether the time
 * zone exists): such errors name spec.schedule or spec.timeZone. A controller that gets one reports
 * Ready=False reason InvalidSchedule with the error's message.
 */
export function parseVMSnapshotSchedule(input: unknown): Result<VMSnapshotSchedule> {
  const checked = checkObject(vmSnapshotScheduleShape, input);
  if (!checked.ok) return checked;
  const { identity, spec, status } = checked.value;
  const scheduleIssues = checkRunSchedule({ cron: spec.schedule, timeZone: spec.timeZone });
  if (scheduleIssues.length > 0) {
    const subject = `VMSnapshotSchedule "${identity.namespace}/${identity.name}"`;
    const issues = scheduleIssues.map((issue) => ({ field: `spec.${issue.field}`, message: issue.message }));
    return fail(new InvalidObjectError(subject, issues));
  }
  const template = spec.template;
  const deadlineMs = parseDurationMs(template.failureDeadline) ?? 0;
  return ok({
    identity,
    spec: {
      schedule: spec.schedule,
      timeZone: spec.timeZone,
      target:
        spec.vmNames !== undefined
          ? { by: 'names', vmNames: spec.vmNames }
          : { by: 'selector', selector: spec.selector ?? {} },
      template: {
        memory: template.memory,
        quiesce: template.quiesce,
        description: template.description ?? '',
        deletionPolicy: template.deletionPolicy,
        failureDeadlineMs: deadlineMs === 0 ? undefined : deadlineMs,
      },
      retention: {
        keepLast: spec.retention.keepLast ?? 0,
        hourly: spec.retention.hourly ?? 0,
        daily: spec.retention.daily ?? 0,
        weekly: spec.retention.weekly ?? 0,
        monthly: spec.retention.monthly ?? 0,
      },
      suspend: spec.suspend,
      startingDeadlineSeconds: spec.startingDeadlineSeconds,
      concurrencyPolicy: spec.concurrencyPolicy,
      spreadMs: parseDurationMs(spec.spread) ?? 0,
    },
    status: { ...status, conditions: status?.conditions ?? [] },
  });
}
