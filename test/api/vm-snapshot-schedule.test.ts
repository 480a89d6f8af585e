// VMSnapshotSchedule: the domain value, defaults, and the checks admission cannot make (cron field ranges, real
// time zones) or makes with CEL (exactly one target, a retention that keeps something).
import { evaluate } from '@marcbachmann/cel-js';
import { describe, expect, it } from 'vitest';
import { buildCrd } from '../../src/api/crd/build-crd.ts';
import {
  type InvalidObjectError,
  parseVMSnapshotSchedule,
  type Result,
  type VMSnapshotSchedule,
} from '../../src/api/index.ts';
import { vmSnapshotScheduleExample } from './fixtures/api-md-examples.ts';
import { crdValidator } from './fixtures/crd-validator.ts';

type Node = Record<string, unknown>;
type Rule = { rule: string; message: string };

function unwrap(result: Result<VMSnapshotSchedule>): VMSnapshotSchedule {
  if (!result.ok) throw result.error;
  return result.value;
}

function errorOf(result: Result<unknown>): InvalidObjectError {
  if (result.ok) throw new Error(`expected a parse failure, got ${JSON.stringify(result.value)}`);
  return result.error;
}

function schedule(spec: Node) {
  return {
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'VMSnapshotSchedule',
    metadata: { name: 'nightly', namespace: 'prod' },
    spec,
  };
}

const MINIMAL = { schedule: '@daily', vmNames: ['web-1'], retention: { daily: 7 } };

function specSchema(): Node {
  const version = (buildCrd('VMSnapshotSchedule').spec.versions as Node[])[0] as Node;
  const root = (version.schema as { openAPIV3Schema: Node }).openAPIV3Schema;
  return (root.properties as Record<string, Node>).spec as Node;
}

function rulesAt(node: Node): Rule[] {
  return (node['x-kubernetes-validations'] as Rule[] | undefined) ?? [];
}

describe('VMSnapshotSchedule domain value', () => {
  it('the API.md example', () => {
    const parsed = unwrap(parseVMSnapshotSchedule(vmSnapshotScheduleExample));
    expect(parsed.identity).toMatchObject({
      kind: 'VMSnapshotSchedule',
      name: 'db-every-6h',
      namespace: 'prod',
    });
    expect(parsed.spec).toEqual({
      schedule: '0 */6 * * *',
      timeZone: 'Europe/Berlin',
      target: { by: 'selector', selector: { matchLabels: { tier: 'db' } } },
      template: {
        memory: true,
        quiesce: false,
        description: '',
        deletionPolicy: 'Delete',
        failureDeadlineMs: 600_000,
      },
      retention: { keepLast: 3, hourly: 24, daily: 7, weekly: 4, monthly: 12 },
      suspend: false,
      startingDeadlineSeconds: 300,
      concurrencyPolicy: 'Forbid',
      spreadMs: 120_000,
    });
    expect(parsed.status).toMatchObject({ missedRuns: 0, lastScheduleTime: '2026-11-24T06:00:00Z' });
  });

  it('defaults: UTC, default template, Forbid, no spread, no deadline, not suspended, rules off are 0', () => {
    const parsed = unwrap(parseVMSnapshotSchedule(schedule(MINIMAL)));
    expect(parsed.spec).toEqual({
      schedule: '@daily',
      timeZone: 'UTC',
      target: { by: 'names', vmNames: ['web-1'] },
      template: {
        memory: false,
        quiesce: false,
        description: '',
        deletionPolicy: 'Delete',
        failureDeadlineMs: 600_000,
      },
      retention: { keepLast: 0, hourly: 0, daily: 7, weekly: 0, monthly: 0 },
      suspend: false,
      startingDeadlineSeconds: undefined,
      concurrencyPolicy: 'Forbid',
      spreadMs: 0,
    });
    expect(parsed.status).toEqual({ conditions: [] });
  });

  it('the server fills in the same defaults as the parser', () => {
    const verdict = crdValidator('VMSnapshotSchedule')(schedule(MINIMAL));
    expect(verdict.valid).toBe(true);
    expect((verdict.defaulted as { spec: Node }).spec).toMatchObject({
      timeZone: 'UTC',
      suspend: false,
      concurrencyPolicy: 'Forbid',
      spread: '0',
      template: { memory: false, quiesce: false, deletionPolicy: 'Delete', failureDeadline: '10m' },
    });
  });

  it.each([
    ['15 2 * * *', 'Europe/Berlin'],
    ['*/5 * * * *', 'UTC'],
    ['0 0 1,15 * MON-FRI', 'America/New_York'],
    ['0 12 * JAN,JUL sun', 'Asia/Kolkata'],
    ['@hourly', 'Etc/GMT+2'],
    ['@weekly', 'America/Argentina/Buenos_Aires'],
    ['@monthly', 'UTC'],
  ])('accepts %s in %s', (cron, timeZone) => {
    const parsed = unwrap(parseVMSnapshotSchedule(schedule({ ...MINIMAL, schedule: cron, timeZone })));
    expect(parsed.spec.schedule).toBe(cron);
    expect(crdValidator('VMSnapshotSchedule')(schedule({ ...MINIMAL, schedule: cron, timeZone })).valid).toBe(
      true,
    );
  });
});

describe('checks only the parser can make name the field', () => {
  // Each of these has the right shape, so the CRD's pattern lets it through; the parser (and the controller,
  // which reports Ready=False InvalidSchedule) catches it.
  it.each([
    ['minute out of range', { schedule: '61 * * * *' }, 'spec.schedule', /minute/],
    ['hour out of range', { schedule: '0 24 * * *' }, 'spec.schedule', /hour/],
    ['month 13', { schedule: '0 0 1 13 *' }, 'spec.schedule', /month/i],
    ['croner extension L', { schedule: '0 0 L * *' }, 'spec.schedule', /not month or weekday names/],
    ['unknown time zone', { timeZone: 'Mars/Olympus_Mons' }, 'spec.timeZone', /unknown time zone "Mars/],
  ])('%s', (_, change, field, message) => {
    const object = schedule({ ...MINIMAL, ...change });
    expect(crdValidator('VMSnapshotSchedule')(object).valid).toBe(true);
    const error = errorOf(parseVMSnapshotSchedule(object));
    expect(error.issues.map((issue) => issue.field)).toEqual([field]);
    expect(error.issues[0]?.message).toMatch(message);
    expect(error.message).toContain(`VMSnapshotSchedule "prod/nightly" is invalid: ${field}: `);
  });

  it('both a bad schedule and a bad time zone are reported', () => {
    const error = errorOf(
      parseVMSnapshotSchedule(schedule({ ...MINIMAL, schedule: '99 * * * *', timeZone: 'No/Where' })),
    );
    expect(error.issues.map((issue) => issue.field).sort()).toEqual(['spec.schedule', 'spec.timeZone']);
  });
});

describe('CEL rules', () => {
  const targetRule = rulesAt(specSchema())[0] as Rule;
  const retentionRule = rulesAt(
    (specSchema().properties as Record<string, Node>).retention as Node,
  )[0] as Rule;

  it('the spec is editable (no immutability rule): a schedule is changed in place', () => {
    expect(rulesAt(specSchema()).map((rule) => rule.rule)).not.toContain('self == oldSelf');
    expect(rulesAt(specSchema())).toHaveLength(1);
  });

  it.each([
    ['selector only', { selector: { matchLabels: { tier: 'db' } } }, true],
    ['vmNames only', { vmNames: ['web-1'] }, true],
    ['both', { selector: {}, vmNames: ['web-1'] }, false],
    ['neither', {}, false],
  ])('exactly one target: %s', (_, target, valid) => {
    const spec = { schedule: '@daily', retention: { daily: 1 }, ...target };
    expect(evaluate(targetRule.rule, { self: spec })).toBe(valid);
    const parsed = parseVMSnapshotSchedule(schedule(spec));
    expect(parsed.ok).toBe(valid);
    if (!parsed.ok) {
      expect(parsed.error.issues).toEqual([{ field: 'spec.selector', message: targetRule.message }]);
    }
  });

  it.each([
    [{ keepLast: 1 }, true],
    [{ monthly: 12 }, true],
    [{ keepLast: 0, hourly: 0, daily: 0, weekly: 0, monthly: 0 }, false],
    [{}, false],
  ])('retention %j keeps something: %s', (retention, valid) => {
    expect(evaluate(retentionRule.rule, { self: retention })).toBe(valid);
    const parsed = parseVMSnapshotSchedule(schedule({ ...MINIMAL, retention }));
    expect(parsed.ok).toBe(valid);
    if (!parsed.ok) {
      expect(parsed.error.issues).toEqual([{ field: 'spec.retention', message: retentionRule.message }]);
      expect(retentionRule.message).toMatch(/spec\.retention.*keepLast, hourly, daily, weekly, monthly/);
    }
  });
});
