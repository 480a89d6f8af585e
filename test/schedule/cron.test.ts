// Run times: croner read through vmsnap's schedule API, checked against calendars computed in the test.
import { describe, expect, it } from 'vitest';
import {
  checkRunSchedule,
  dueRun,
  latestRunAtOrBefore,
  nextRunAfter,
  type RunSchedule,
  runsBetween,
} from '../../src/schedule/index.ts';
import { berlinOffsetHours, DAY, euTransitions, FakeClock, HOUR, MINUTE } from './support/fake-clock.ts';

const BERLIN = 'Europe/Berlin';

/**
 * A controller loop on an injected clock: every `stepMs` it asks dueRun and takes the run it is owed. Returns the
 * runs taken, in order.
 */
function takeRuns(schedule: RunSchedule, from: Date, to: Date, stepMs: number): Date[] {
  const clock = new FakeClock(from);
  const taken: Date[] = [];
  let lastScheduleTime: Date | undefined;
  while (clock.now() < to) {
    const now = clock.advance(stepMs);
    const due = dueRun({ schedule, now, lastScheduleTime, createdAt: from, startingDeadlineSeconds: 300 });
    if (due.runAt) taken.push(due.runAt);
    lastScheduleTime = due.latestDealtWith;
  }
  return taken;
}

describe('nextRunAfter and runsBetween', () => {
  it('next run is strictly after the given time, whole minutes', () => {
    const schedule = { cron: '*/15 * * * *', timeZone: 'UTC' };
    const base = Date.UTC(2026, 5, 1, 10);
    expect(nextRunAfter(schedule, new Date(base))?.getTime()).toBe(base + 15 * MINUTE);
    expect(nextRunAfter(schedule, new Date(base - 1))?.getTime()).toBe(base);
    expect(nextRunAfter(schedule, new Date(base + 7 * MINUTE + 31_000))?.getTime()).toBe(base + 15 * MINUTE);
  });

  it('latest run at or before includes the instant itself', () => {
    const schedule = { cron: '0 * * * *', timeZone: 'UTC' };
    const base = Date.UTC(2026, 5, 1, 10);
    expect(latestRunAtOrBefore(schedule, new Date(base))?.getTime()).toBe(base);
    expect(latestRunAtOrBefore(schedule, new Date(base - 1))?.getTime()).toBe(base - HOUR);
  });

  it('a schedule that never matches has no next run', () => {
    expect(
      nextRunAfter({ cron: '0 0 30 2 *', timeZone: 'UTC' }, new Date(Date.UTC(2026, 0, 1))),
    ).toBeUndefined();
  });

  it('runsBetween is (from, to], in order, and stops at the cap', () => {
    const schedule = { cron: '0 */6 * * *', timeZone: 'UTC' };
    const from = new Date(Date.UTC(2026, 0, 1));
    const to = new Date(Date.UTC(2026, 0, 3));
    const { runs, capped } = runsBetween(schedule, from, to);
    expect(capped).toBe(false);
    expect(runs.map((run) => (run.getTime() - from.getTime()) / HOUR)).toEqual([
      6, 12, 18, 24, 30, 36, 42, 48,
    ]);
    const limited = runsBetween(schedule, from, to, 3);
    expect(limited.runs).toHaveLength(3);
    expect(limited.capped).toBe(true);
    expect(runsBetween(schedule, from, to, 8).capped).toBe(false);
  });

  it.each([
    ['@hourly', HOUR],
    ['@daily', DAY],
    ['@weekly', 7 * DAY],
  ])('%s runs every %d ms in UTC', (cron, period) => {
    const { runs } = runsBetween(
      { cron, timeZone: 'UTC' },
      new Date(Date.UTC(2026, 0, 1)),
      new Date(Date.UTC(2026, 2, 1)),
    );
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.getTime() - runs[i - 1]!.getTime()).toBe(period);
  });

  it('@monthly runs at local midnight on the 1st of each month in the schedule time zone', () => {
    const { runs } = runsBetween(
      { cron: '@monthly', timeZone: BERLIN },
      new Date(Date.UTC(2026, 0, 1)),
      new Date(Date.UTC(2027, 0, 1)),
    );
    expect(runs).toHaveLength(12);
    runs.forEach((run, index) => {
      const localMidnight = Date.UTC(2026, index + 1, 1) - berlinOffsetHours(run) * HOUR;
      expect(run.getTime()).toBe(localMidnight);
    });
  });
});

describe('DST in Europe/Berlin: a fixed-time run is neither skipped nor doubled', () => {
  it.each([2026, 2027, 2028])(
    '%i: 02:30 daily runs once on the spring-forward night, at 03:00 CEST',
    (year) => {
      const { springForward } = euTransitions(year);
      const taken = takeRuns(
        { cron: '30 2 * * *', timeZone: BERLIN },
        new Date(springForward.getTime() - 38 * HOUR),
        new Date(springForward.getTime() + 33 * HOUR),
        5 * MINUTE,
      );
      // Friday 11:00 UTC to Monday 10:00 UTC: the runs of Saturday, Sunday and Monday night.
      expect(taken).toHaveLength(3);
      // 02:30 local does not exist that night: clocks jump from 02:00 CET to 03:00 CEST, the transition instant.
      const thatNight = taken.filter((run) => Math.abs(run.getTime() - springForward.getTime()) < 12 * HOUR);
      expect(thatNight.map((run) => run.toISOString())).toEqual([springForward.toISOString()]);
      // Other nights: 02:30 local at that night's offset.
      for (const run of taken.filter((r) => !thatNight.includes(r))) {
        const local = new Date(run.getTime() + berlinOffsetHours(run) * HOUR);
        expect([local.getUTCHours(), local.getUTCMinutes()]).toEqual([2, 30]);
      }
    },
  );

  it.each([2026, 2027, 2028])(
    '%i: 02:30 daily runs once on the fall-back night, at the first 02:30 (CEST)',
    (year) => {
      const { fallBack } = euTransitions(year);
      const taken = takeRuns(
        { cron: '30 2 * * *', timeZone: BERLIN },
        new Date(fallBack.getTime() - 38 * HOUR),
        new Date(fallBack.getTime() + 33 * HOUR),
        5 * MINUTE,
      );
      // Friday 11:00 UTC to Monday 10:00 UTC: the runs of Saturday, Sunday and Monday night.
      expect(taken).toHaveLength(3);
      const thatNight = taken.filter((run) => Math.abs(run.getTime() - fallBack.getTime()) < 12 * HOUR);
      // 02:30 occurs at 00:30 UTC (CEST, UTC+2) and again at 01:30 UTC (CET): only the first is taken.
      expect(thatNight.map((run) => run.toISOString())).toEqual([
        new Date(fallBack.getTime() - 30 * MINUTE).toISOString(),
      ]);
    },
  );

  it('a listed fixed time (30 2,14 * * *) also runs once per listed time on both nights', () => {
    const { springForward, fallBack } = euTransitions(2026);
    for (const night of [springForward, fallBack]) {
      const runs = runsBetween(
        { cron: '30 2,14 * * *', timeZone: BERLIN },
        new Date(night.getTime() - 14 * HOUR),
        new Date(night.getTime() + 33 * HOUR),
      ).runs;
      // Saturday 11:00 UTC to Monday 10:00 UTC: Saturday 14:30, Sunday 02:30 and 14:30, Monday 02:30.
      expect(runs).toHaveLength(4);
    }
  });

  it('an interval schedule follows real time: every 30 minutes without a gap or a double through both nights', () => {
    for (const night of Object.values(euTransitions(2026))) {
      const { runs } = runsBetween(
        { cron: '*/30 * * * *', timeZone: BERLIN },
        new Date(night.getTime() - 6 * HOUR),
        new Date(night.getTime() + 6 * HOUR),
      );
      expect(runs).toHaveLength(24);
      for (let i = 1; i < runs.length; i++)
        expect(runs[i]!.getTime() - runs[i - 1]!.getTime()).toBe(30 * MINUTE);
    }
  });

  it('hourly: the spring-forward day has 23 runs and the fall-back day 25, one per real hour', () => {
    const { springForward, fallBack } = euTransitions(2026);
    const localDay = (transition: Date) => {
      // Local midnight before the 01:00 UTC transition is 23:00 UTC the day before (CET, UTC+1) in spring and
      // 22:00 UTC (CEST, UTC+2) in autumn; the next local midnight is at the other offset.
      const spring = transition === springForward;
      const start = transition.getTime() - (spring ? 2 : 3) * HOUR;
      const end = start + (spring ? 23 : 25) * HOUR;
      return [new Date(start - 1), new Date(end - 1)] as const;
    };
    for (const [transition, hours] of [
      [springForward, 23],
      [fallBack, 25],
    ] as const) {
      const [from, to] = localDay(transition);
      expect(runsBetween({ cron: '0 * * * *', timeZone: BERLIN }, from, to).runs).toHaveLength(hours);
    }
  });
});

describe('checkRunSchedule', () => {
  it('accepts standard expressions, names and nicknames', () => {
    for (const cron of [
      '0 */6 * * *',
      '5 4 * * sun',
      '0 0 1 jan,jul *',
      '0-59/10 8-18 * * MON-FRI',
      '@daily',
    ]) {
      expect(checkRunSchedule({ cron, timeZone: 'UTC' }), cron).toEqual([]);
    }
  });

  it.each([
    ['0 0 * * 8', /day/i],
    ['*/0 * * * *', /./],
    ['0 0 32 * *', /day/i],
    ['0 0 * * MON#2', /not a 5-field|is not/],
    ['0 0 15W * *', /not month or weekday names/],
    ['0 0 * * FOO', /not month or weekday names/],
  ])('rejects %s with a reason', (cron, reason) => {
    const issues = checkRunSchedule({ cron, timeZone: 'UTC' });
    expect(issues.map((issue) => issue.field)).toEqual(['schedule']);
    expect(issues[0]?.message).toContain(`"${cron}"`);
    expect(issues[0]?.message).toMatch(reason);
  });

  it('rejects a time zone Intl does not know, and accepts canonical ones', () => {
    expect(checkRunSchedule({ cron: '@daily', timeZone: 'Europe/Atlantis' })).toEqual([
      { field: 'timeZone', message: expect.stringContaining('unknown time zone "Europe/Atlantis"') },
    ]);
    for (const timeZone of ['UTC', 'Europe/Berlin', 'America/Indiana/Indianapolis', 'Etc/GMT-14']) {
      expect(checkRunSchedule({ cron: '@daily', timeZone }), timeZone).toEqual([]);
    }
  });
});
