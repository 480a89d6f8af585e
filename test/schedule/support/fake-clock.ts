// An injected clock for schedule tests: time moves only when the test says so.
export class FakeClock {
  #now: number;

  constructor(start: Date) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  advance(ms: number): Date {
    this.#now += ms;
    return this.now();
  }

  set(at: Date): Date {
    this.#now = at.getTime();
    return this.now();
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * EU summer time (Directive 2000/84/EC): it starts on the last Sunday of March and ends on the last Sunday of
 * October, both at 01:00 UTC. Computed from the rule, not from a time-zone database, so tests can check the
 * library and Intl against it.
 */
export function euTransitions(year: number): { springForward: Date; fallBack: Date } {
  return { springForward: lastSundayAt0100Utc(year, 2), fallBack: lastSundayAt0100Utc(year, 9) };
}

function lastSundayAt0100Utc(year: number, monthIndex: number): Date {
  const last = new Date(Date.UTC(year, monthIndex + 1, 0, 1));
  return new Date(last.getTime() - last.getUTCDay() * DAY);
}

/** Berlin's offset from UTC in hours at `at`, from the EU rule. */
export function berlinOffsetHours(at: Date): number {
  const { springForward, fallBack } = euTransitions(at.getUTCFullYear());
  return at >= springForward && at < fallBack ? 2 : 1;
}
