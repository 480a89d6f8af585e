// dueRun follows CronJob's missed-run rules: only the most recent due run is taken, only within the deadline;
// older ones are counted. Driven by an injected clock.
import { describe, expect, it } from 'vitest';
import { dueRun, MISSED_RUNS_COUNT_CAP, mayStartRun } from '../../src/schedule/index.ts';
import { FakeClock, HOUR, MINUTE } from './support/fake-clock.ts';

const HOURLY = { cron: '0 * * * *', timeZone: 'Europe/Berlin' };
const CREATED = new Date(Date.UTC(2026, 0, 5, 9, 20));
/** The first whole UTC hour after CREATED; Berlin's offsets are whole hours, so hourly runs are UTC hours. */
const FIRST_RUN = Math.ceil(CREATED.getTime() / HOUR) * HOUR;

describe('dueRun', () => {
  it('owes nothing before the first run, and says when it comes', () => {
    const due = dueRun({
      schedule: HOURLY,
      now: new Date(FIRST_RUN - 1),
      lastScheduleTime: undefined,
      createdAt: CREATED,
      startingDeadlineSeconds: 60,
    });
    expect(due).toStrictEqual({
      runAt: undefined,
      missed: 0,
      latestDealtWith: undefined,
      nextRunAt: new Date(FIRST_RUN),
    });
  });

  it('a run at exactly the creation time is not owed (the anchor is exclusive)', () => {
    const created = new Date(FIRST_RUN);
    const due = dueRun({
      schedule: HOURLY,
      now: new Date(FIRST_RUN + 10_000),
      lastScheduleTime: undefined,
      createdAt: created,
      startingDeadlineSeconds: undefined,
    });
    expect(due.runAt).toBeUndefined();
  });

  it('takes a run on time and does not take it again once recorded', () => {
    const now = new Date(FIRST_RUN + 5_000);
    const input = {
      schedule: HOURLY,
      now,
      lastScheduleTime: undefined,
      createdAt: CREATED,
      startingDeadlineSeconds: 60,
    };
    const due = dueRun(input);
    expect(due).toEqual({
      runAt: new Date(FIRST_RUN),
      missed: 0,
      latestDealtWith: new Date(FIRST_RUN),
      nextRunAt: new Date(FIRST_RUN + HOUR),
    });
    // Same input (a crash before status was written): the same answer, so the same snapshot names.
    expect(dueRun(input)).toEqual(due);
    const after = dueRun({ ...input, lastScheduleTime: due.latestDealtWith });
    expect(after.runAt).toBeUndefined();
    expect(after.missed).toBe(0);
  });

  it.each([
    ['no deadline: the latest is taken however late', undefined, 50 * MINUTE, true],
    ['within the deadline: the latest is taken', 300, 4 * MINUTE, true],
    ['at the deadline exactly: still taken', 300, 5 * MINUTE, true],
    ['past the deadline: the latest is missed too', 300, 5 * MINUTE + 1, false],
  ])('after an outage of several runs, %s', (_, deadline, lateBy, taken) => {
    const outageRuns = 7;
    const lastTaken = new Date(FIRST_RUN);
    const latest = FIRST_RUN + outageRuns * HOUR;
    const due = dueRun({
      schedule: HOURLY,
      now: new Date(latest + lateBy),
      lastScheduleTime: lastTaken,
      createdAt: CREATED,
      startingDeadlineSeconds: deadline,
    });
    expect(due.runAt).toEqual(taken ? new Date(latest) : undefined);
    // The runs between the last taken one and the latest are counted, never taken.
    expect(due.missed).toBe(taken ? outageRuns - 1 : outageRuns);
    expect(due.latestDealtWith).toEqual(new Date(latest));
    expect(due.nextRunAt).toEqual(new Date(latest + HOUR));
  });

  it('the missed count saturates at the cap instead of walking a huge outage', () => {
    const due = dueRun({
      schedule: { cron: '* * * * *', timeZone: 'UTC' },
      now: new Date(CREATED.getTime() + 3 * 24 * HOUR),
      lastScheduleTime: undefined,
      createdAt: CREATED,
      startingDeadlineSeconds: undefined,
    });
    expect(due.runAt).toBeDefined();
    expect(due.missed).toBe(MISSED_RUNS_COUNT_CAP);
  });

  it('a month of hourly runs with outages: every run is taken once or counted once, never both', () => {
    const clock = new FakeClock(CREATED);
    const end = CREATED.getTime() + 31 * 24 * HOUR;
    // Outages (controller down) as [start, end) in hours after CREATED; each longer than the deadline.
    const outages: [number, number][] = [
      [30, 36.5],
      [200, 200.9],
      [400, 455],
    ];
    const down = (at: number) =>
      outages.some(
        ([from, to]) => at >= CREATED.getTime() + from * HOUR && at < CREATED.getTime() + to * HOUR,
      );
    const taken: number[] = [];
    let missed = 0;
    let lastScheduleTime: Date | undefined;
    while (clock.now().getTime() < end) {
      const now = clock.advance(7 * MINUTE);
      if (down(now.getTime())) continue;
      const due = dueRun({
        schedule: HOURLY,
        now,
        lastScheduleTime,
        createdAt: CREATED,
        startingDeadlineSeconds: 600,
      });
      if (due.runAt) {
        // Taken within the deadline of its scheduled time.
        expect(now.getTime() - due.runAt.getTime()).toBeLessThanOrEqual(600_000);
        taken.push(due.runAt.getTime());
      }
      missed += due.missed;
      lastScheduleTime = due.latestDealtWith;
    }
    // Brute force: every whole UTC hour in (CREATED, last tick] is a run.
    const lastTick = clock.now().getTime();
    let runs = 0;
    for (let hour = FIRST_RUN; hour <= lastTick; hour += HOUR) runs += 1;
    expect(new Set(taken).size).toBe(taken.length);
    expect(taken.length + missed).toBe(runs);
    expect(missed).toBeGreaterThan(50);
    // A run that came due while the controller was up and ticking every 7 minutes was never missed.
    for (let hour = FIRST_RUN; hour <= lastTick; hour += HOUR) {
      const upThrough = [0, 7 * MINUTE].every((delay) => !down(hour + delay));
      if (upThrough) expect(taken, new Date(hour).toISOString()).toContain(hour);
    }
  });
});

describe('mayStartRun', () => {
  it('Forbid waits for unfinished snapshots of earlier runs; Allow does not', () => {
    expect(mayStartRun('Forbid', 0)).toBe(true);
    expect(mayStartRun('Forbid', 1)).toBe(false);
    expect(mayStartRun('Allow', 3)).toBe(true);
  });
});
