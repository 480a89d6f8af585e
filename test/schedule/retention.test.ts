// Retention: restic's keep rules in the schedule's time zone, checked against an expectation computed
// independently (brute-force grouping with calendar keys derived from the EU summer-time rule, not from Intl).
import { describe, expect, it } from 'vitest';
import {
  dueRun,
  pruneCandidates,
  type RetainableSnapshot,
  type Retention,
  type RunSchedule,
  scheduledSnapshotName,
  selectRetained,
} from '../../src/schedule/index.ts';
import { berlinOffsetHours, DAY, FakeClock, HOUR } from './support/fake-clock.ts';

const BERLIN = 'Europe/Berlin';
/** The contract: Failed snapshots beyond the newest 3 are pruned. */
const FAILED_KEPT_BY_SPEC = 3;
const NONE: Retention = { keepLast: 0, hourly: 0, daily: 0, weekly: 0, monthly: 0 };

type Unit = 'hourly' | 'daily' | 'weekly' | 'monthly';

/** The local calendar position of an instant in Berlin, by the EU rule. */
function berlinKey(at: Date, unit: Unit): string {
  const local = new Date(at.getTime() + berlinOffsetHours(at) * HOUR);
  const iso = local.toISOString();
  if (unit === 'hourly') return iso.slice(0, 13);
  if (unit === 'daily') return iso.slice(0, 10);
  if (unit === 'monthly') return iso.slice(0, 7);
  // A week is named by its Monday's date.
  const midnight = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  const sinceMonday = (local.getUTCDay() + 6) % 7;
  return new Date(midnight - sinceMonday * DAY).toISOString().slice(0, 10);
}

/** What restic keeps, computed by grouping instead of by walking. */
function expectedKeep(history: readonly RetainableSnapshot[], retention: Retention): Set<string> {
  const byTimeDesc = (a: RetainableSnapshot, b: RetainableSnapshot) => b.time.getTime() - a.time.getTime();
  const ready = history.filter((s) => s.phase === 'Ready').sort(byTimeDesc);
  const keep = new Set<string>(ready.slice(0, retention.keepLast).map((s) => s.name));
  for (const unit of ['hourly', 'daily', 'weekly', 'monthly'] as const) {
    const count = retention[unit];
    if (count === 0) continue;
    const newestPerGroup = new Map<string, RetainableSnapshot>();
    for (const snapshot of ready) {
      const key = berlinKey(snapshot.time, unit);
      const held = newestPerGroup.get(key);
      if (!held || held.time < snapshot.time) newestPerGroup.set(key, snapshot);
    }
    const representatives = [...newestPerGroup.values()].sort(byTimeDesc);
    for (const snapshot of representatives.slice(0, count)) keep.add(snapshot.name);
    // Fewer groups than asked for: restic also keeps the oldest snapshot.
    const oldest = ready.at(-1);
    if (representatives.length < count && oldest) keep.add(oldest.name);
  }
  const failed = history.filter((s) => s.phase === 'Failed').sort(byTimeDesc);
  for (const snapshot of failed.slice(0, FAILED_KEPT_BY_SPEC)) keep.add(snapshot.name);
  for (const snapshot of history) if (snapshot.phase === 'InProgress') keep.add(snapshot.name);
  return keep;
}

interface Simulation {
  /** Every snapshot ever taken, with its last phase. */
  history: RetainableSnapshot[];
  /** What is left after pruning at every tick. */
  remaining: RetainableSnapshot[];
  prunedWhileProtected: string[];
  /** The snapshot protected for 30 days (undefined if nothing was due for pruning when it was picked). */
  protectedName: string | undefined;
  /** It was still there at the end of its protection. */
  protectedSurvived: boolean;
  /** Names still protected when the simulation ended: kept whatever the policy says. */
  stillProtected: string[];
}

/**
 * A schedule controller on an injected clock. It wakes `lagMs` after each run time (where it asked to be requeued:
 * dueRun's nextRunAt), finishes the previous run's snapshot (Ready, or Failed for every 17th run), takes the run it
 * is owed, and prunes. When the 40th snapshot is taken, the first one it would prune is protected instead (a
 * revert in progress refers to it) for 30 days.
 */
function simulate(
  schedule: RunSchedule,
  retention: Retention,
  from: Date,
  to: Date,
  lagMs: number,
): Simulation {
  const clock = new FakeClock(from);
  const history: RetainableSnapshot[] = [];
  let remaining: RetainableSnapshot[] = [];
  const prunedWhileProtected: string[] = [];
  let lastScheduleTime: Date | undefined;
  let protectedName: string | undefined;
  let protectUntil = 0;
  let protectedSurvived = false;
  while (clock.now() < to) {
    const now = clock.now();
    for (const snapshot of remaining) {
      if (snapshot.phase === 'InProgress') {
        snapshot.phase = history.indexOf(snapshot) % 17 === 16 ? 'Failed' : 'Ready';
      }
    }
    const due = dueRun({ schedule, now, lastScheduleTime, createdAt: from, startingDeadlineSeconds: 600 });
    lastScheduleTime = due.latestDealtWith;
    if (due.runAt) {
      const snapshot: RetainableSnapshot = {
        name: scheduledSnapshotName('sched', 'web-1', due.runAt),
        time: due.runAt,
        phase: 'InProgress',
      };
      history.push(snapshot);
      remaining.push(snapshot);
    }
    if (history.length === 40 && protectedName === undefined) {
      protectedName = pruneCandidates(remaining, retention, schedule.timeZone, now)[0];
      protectUntil = now.getTime() + 30 * DAY;
    }
    const protecting = protectedName !== undefined && now.getTime() < protectUntil;
    const shielded = new Set(protecting && protectedName !== undefined ? [protectedName] : []);
    const prune = new Set(pruneCandidates(remaining, retention, schedule.timeZone, now, shielded));
    for (const name of prune) if (shielded.has(name)) prunedWhileProtected.push(name);
    remaining = remaining.filter((s) => !prune.has(s.name));
    if (protecting) protectedSurvived = remaining.some((s) => s.name === protectedName);
    clock.set(new Date((due.nextRunAt ?? to).getTime() + lagMs));
  }
  const stillProtected =
    protectedName !== undefined && clock.now().getTime() < protectUntil ? [protectedName] : [];
  return { history, remaining, prunedWhileProtected, protectedName, protectedSurvived, stillProtected };
}

const YEAR_FROM = new Date(Date.UTC(2026, 0, 1, 0, 0, 30));
const YEAR_TO = new Date(Date.UTC(2027, 0, 1));

describe('a simulated year of 6-hourly runs in Europe/Berlin keeps exactly the expected set', () => {
  it.each<[string, Partial<Retention>]>([
    ['the API.md policy', { keepLast: 3, hourly: 24, daily: 7, weekly: 4, monthly: 12 }],
    ['daily only', { daily: 30 }],
    ['weekly and monthly', { weekly: 8, monthly: 6 }],
    ['keepLast only', { keepLast: 5 }],
    ['more months than the year has (the oldest is kept too)', { monthly: 24 }],
  ])('%s', (_, rules) => {
    const retention = { ...NONE, ...rules };
    const { history, remaining, prunedWhileProtected, protectedName, protectedSurvived } = simulate(
      { cron: '0 */6 * * *', timeZone: BERLIN },
      retention,
      YEAR_FROM,
      YEAR_TO,
      97_000,
    );
    // Every 6 hours for 365 days, in real time (DST neither adds nor drops a run of an interval schedule).
    expect(history.length).toBeGreaterThanOrEqual(365 * 4 - 1);
    expect(history.length).toBeLessThanOrEqual(365 * 4 + 1);
    expect(remaining.map((s) => s.name).sort()).toEqual([...expectedKeep(history, retention)].sort());
    expect(prunedWhileProtected).toEqual([]);
    if (protectedName !== undefined) expect(protectedSurvived).toBe(true);
  });

  it('20-minute runs over ten days with hourly and daily buckets', () => {
    const retention = { ...NONE, hourly: 6, daily: 3 };
    const from = new Date(Date.UTC(2026, 9, 20));
    const { history, remaining, stillProtected } = simulate(
      { cron: '*/20 * * * *', timeZone: BERLIN },
      retention,
      from,
      new Date(from.getTime() + 10 * DAY),
      41_000,
    );
    // The fall-back night (25 October) is inside: its repeated hour is one local hour bucket. The snapshot
    // protected on day 1 is still protected (30 days) and so still there.
    expect(stillProtected).toHaveLength(1);
    const expected = new Set([...expectedKeep(history, retention), ...stillProtected]);
    expect(remaining.map((s) => s.name).sort()).toEqual([...expected].sort());
  });
});

function snap(name: string, iso: string, phase: RetainableSnapshot['phase'] = 'Ready'): RetainableSnapshot {
  return { name, time: new Date(iso), phase };
}

const NOW = new Date('2026-06-30T12:00:00Z');

describe('selectRetained and pruneCandidates', () => {
  it('buckets are read in the schedule time zone', () => {
    // 22:30 UTC on 1 June is 00:30 on 2 June in Berlin: in UTC the two are one day, in Berlin two.
    const snapshots = [snap('late', '2026-06-01T22:30:00Z'), snap('early', '2026-06-01T06:00:00Z')];
    const daily = { ...NONE, daily: 5 };
    expect(selectRetained(snapshots, daily, BERLIN, NOW)).toEqual(['late', 'early']);
    // In UTC, one day: the newest of it, and restic's oldest-while-counts-left.
    expect(selectRetained(snapshots, daily, 'UTC', NOW)).toEqual(['late', 'early']);
    expect(selectRetained(snapshots, { ...NONE, daily: 1 }, 'UTC', NOW)).toEqual(['late']);
    expect(
      selectRetained([...snapshots, snap('x', '2026-06-03T06:00:00Z')], { ...NONE, daily: 2 }, 'UTC', NOW),
    ).toEqual(['x', 'late']);
    expect(
      selectRetained([...snapshots, snap('x', '2026-06-03T06:00:00Z')], { ...NONE, daily: 2 }, BERLIN, NOW),
    ).toEqual(['x', 'late']);
    expect(
      selectRetained([...snapshots, snap('x', '2026-06-03T06:00:00Z')], { ...NONE, daily: 3 }, BERLIN, NOW),
    ).toEqual(['x', 'late', 'early']);
  });

  it('weeks are ISO weeks starting Monday, across a year boundary', () => {
    // Sunday 3 Jan 2027 belongs to ISO week 2026-W53 with Monday 28 Dec 2026; Monday 4 Jan starts 2027-W01.
    const snapshots = [
      snap('mon-4-jan', '2027-01-04T10:00:00Z'),
      snap('sun-3-jan', '2027-01-03T10:00:00Z'),
      snap('mon-28-dec', '2026-12-28T10:00:00Z'),
      snap('sun-27-dec', '2026-12-27T10:00:00Z'),
    ];
    const now = new Date('2027-01-05T00:00:00Z');
    expect(selectRetained(snapshots, { ...NONE, weekly: 2 }, 'UTC', now)).toEqual(['mon-4-jan', 'sun-3-jan']);
    expect(selectRetained(snapshots, { ...NONE, weekly: 3 }, 'UTC', now)).toEqual([
      'mon-4-jan',
      'sun-3-jan',
      'sun-27-dec',
    ]);
  });

  it('only Ready snapshots count for the rules; the 3 newest Failed are kept, older Failed pruned', () => {
    const snapshots = [
      snap('f1', '2026-06-05T00:00:00Z', 'Failed'),
      snap('r1', '2026-06-04T00:00:00Z'),
      snap('f2', '2026-06-03T00:00:00Z', 'Failed'),
      snap('f3', '2026-06-02T00:00:00Z', 'Failed'),
      snap('f4', '2026-06-01T00:00:00Z', 'Failed'),
      snap('r2', '2026-05-31T00:00:00Z'),
    ];
    const retention = { ...NONE, keepLast: 1 };
    expect(selectRetained(snapshots, retention, 'UTC', NOW)).toEqual(['f1', 'r1', 'f2', 'f3']);
    expect(pruneCandidates(snapshots, retention, 'UTC', NOW)).toEqual(['f4', 'r2']);
  });

  it('unfinished snapshots and ones dated after now are kept and not counted; Deleting ones are neither', () => {
    const snapshots = [
      snap('future', '2026-07-01T00:00:00Z'),
      snap('pending', '2026-06-30T11:00:00Z', 'Pending'),
      snap('running', '2026-06-30T10:00:00Z', 'InProgress'),
      // No phase yet (the controller has not written status); snap()'s default would make it Ready.
      { name: 'fresh', time: new Date('2026-06-30T06:00:00Z'), phase: undefined },
      snap('ready-1', '2026-06-29T00:00:00Z'),
      snap('ready-2', '2026-06-28T00:00:00Z'),
      snap('going', '2026-06-27T00:00:00Z', 'Deleting'),
    ];
    const retention = { ...NONE, keepLast: 1 };
    expect(selectRetained(snapshots, retention, 'UTC', NOW)).toEqual([
      'future',
      'pending',
      'running',
      'fresh',
      'ready-1',
    ]);
    expect(pruneCandidates(snapshots, retention, 'UTC', NOW)).toEqual(['ready-2']);
  });

  it('protected snapshots are never prune candidates', () => {
    const snapshots = [
      snap('a', '2026-06-03T00:00:00Z'),
      snap('b', '2026-06-02T00:00:00Z'),
      snap('c', '2026-06-01T00:00:00Z'),
    ];
    const retention = { ...NONE, keepLast: 1 };
    expect(pruneCandidates(snapshots, retention, 'UTC', NOW)).toEqual(['b', 'c']);
    expect(pruneCandidates(snapshots, retention, 'UTC', NOW, new Set(['c']))).toEqual(['b']);
  });

  it('the answer does not depend on the order snapshots are listed in', () => {
    const snapshots = Array.from({ length: 40 }, (_, i) =>
      snap(
        `s-${i}`,
        new Date(Date.UTC(2026, 5, 1) + i * 5 * HOUR).toISOString(),
        i % 9 === 4 ? 'Failed' : 'Ready',
      ),
    );
    const retention = { ...NONE, keepLast: 2, hourly: 3, daily: 4 };
    const forward = selectRetained(snapshots, retention, BERLIN, NOW);
    expect(selectRetained([...snapshots].reverse(), retention, BERLIN, NOW)).toEqual(forward);
    expect(
      selectRetained([...snapshots.slice(20), ...snapshots.slice(0, 20)], retention, BERLIN, NOW),
    ).toEqual(forward);
  });
});
