// When a schedule runs: a cron expression read in an IANA time zone, computed with croner (a maintained cron
// library with time-zone support) so vmsnap does no calendar arithmetic of its own.
//
// DST (see docs/schedules.md): croner follows Vixie cron. A fixed-time run (single or listed minute and hour, no
// wildcard or step) whose local time falls in a spring-forward gap runs once, at the first valid time after the
// gap (02:30 Europe/Berlin on the last Sunday of March runs at 03:00 CEST); one whose local time occurs twice on
// a fall-back night runs once, at the first occurrence. Interval schedules (`*/15 * * * *`, `0 */6 * * *`) follow
// the local clock: times in the skipped hour do not exist and do not run, times in the repeated hour run on both
// passes, so an every-n-minutes schedule keeps running every n real minutes. Kubernetes CronJob (robfig/cron)
// instead skips a fixed-time job in the gap and runs it twice on fall-back nights; vmsnap deliberately does not.
import { Cron } from 'croner';

/** A cron expression in a time zone: what `spec.schedule` and `spec.timeZone` say. */
export interface RunSchedule {
  /** Five fields (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, @monthly. */
  cron: string;
  /** IANA name, e.g. `Europe/Berlin` or `UTC`. */
  timeZone: string;
}

export const SCHEDULE_NICKNAMES = ['@hourly', '@daily', '@weekly', '@monthly'] as const;

const FIELD = '[0-9A-Za-z*?,/-]+';
/**
 * The syntax of `spec.schedule`, checked at admission (RE2-compatible). Only the shape: whether each field's
 * values are in range is checked by {@link checkRunSchedule}.
 */
export const CRON_PATTERN = `^(?:@(?:hourly|daily|weekly|monthly)|${FIELD}(?: +${FIELD}){4})$`;
export const CRON_HINT =
  'a 5-field cron expression (minute hour day-of-month month day-of-week, e.g. "0 */6 * * *") or one of ' +
  '@hourly, @daily, @weekly, @monthly';

/** An IANA zone name's shape (`UTC`, `Europe/Berlin`, `America/Argentina/Buenos_Aires`, `Etc/GMT+2`). */
export const TIME_ZONE_PATTERN = '^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*$';

/** The month and weekday names standard cron knows; other letters are croner extensions (L, W) vmsnap refuses. */
const NAMES = /JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT/gi;

/** What is wrong with a schedule, per field, or an empty list when croner accepts it. */
export interface ScheduleIssue {
  field: 'schedule' | 'timeZone';
  message: string;
}

/** Full check of both fields, for parse functions and the controller (which reports Ready=False InvalidSchedule). */
export function checkRunSchedule(schedule: RunSchedule): ScheduleIssue[] {
  const issues: ScheduleIssue[] = [];
  const zoneProblem = timeZoneProblem(schedule.timeZone);
  if (zoneProblem !== undefined) issues.push({ field: 'timeZone', message: zoneProblem });
  const cronProblem = cronExpressionProblem(schedule.cron);
  if (cronProblem !== undefined) issues.push({ field: 'schedule', message: cronProblem });
  return issues;
}

function timeZoneProblem(timeZone: string): string | undefined {
  if (!new RegExp(TIME_ZONE_PATTERN).test(timeZone)) return `"${timeZone}" is not an IANA time zone name`;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return undefined;
  } catch {
    return `unknown time zone "${timeZone}" (use an IANA name such as UTC or Europe/Berlin)`;
  }
}

function cronExpressionProblem(cron: string): string | undefined {
  if (!new RegExp(CRON_PATTERN).test(cron)) return `"${cron}" is not ${CRON_HINT}`;
  if (/[A-Za-z]/.test(cron.replaceAll(NAMES, '')) && !cron.startsWith('@')) {
    return `"${cron}" uses letters that are not month or weekday names (L, W and similar extensions are not supported)`;
  }
  try {
    compile({ cron, timeZone: 'UTC' });
    return undefined;
  } catch (error) {
    return `"${cron}" is not a valid cron expression: ${(error as Error).message.replace(/^CronPattern: /, '')}`;
  }
}

// Compiling parses the expression; a reconciler asks about the same few schedules over and over.
const compiled = new Map<string, Cron>();
const COMPILED_CACHE_LIMIT = 512;

/** Throws croner's error for an invalid expression or zone; callers check with {@link checkRunSchedule} first. */
function compile(schedule: RunSchedule): Cron {
  const key = `${schedule.timeZone}\n${schedule.cron}`;
  let cron = compiled.get(key);
  if (cron === undefined) {
    cron = new Cron(schedule.cron, {
      timezone: schedule.timeZone,
      paused: true,
      mode: '5-part',
      // Vixie cron's rule: any job without a wildcard or step in minute and hour is a fixed-time job, so
      // `30 2,14 * * *` also runs once on a fall-back night.
      fixedTimeRule: 'no-wildcard',
    });
    if (compiled.size >= COMPILED_CACHE_LIMIT) compiled.clear();
    compiled.set(key, cron);
  }
  return cron;
}

/** The first run strictly after `after`, or undefined if the expression never matches again (e.g. Feb 30). */
export function nextRunAfter(schedule: RunSchedule, after: Date): Date | undefined {
  return compile(schedule).nextRun(after) ?? undefined;
}

/** The latest run at or before `at`, or undefined if there is none within croner's search horizon. */
export function latestRunAtOrBefore(schedule: RunSchedule, at: Date): Date | undefined {
  const justAfter = new Date(at.getTime() + 1);
  return compile(schedule).previousRuns(1, justAfter)[0];
}

export const DEFAULT_RUNS_CAP = 10_000;

export interface RunsBetween {
  /** Runs in (from, to], oldest first, at most `cap` of them. */
  runs: Date[];
  /** True when there were more runs than `cap` in the interval (the list stops at the cap). */
  capped: boolean;
}

/**
 * The runs in the half-open interval (from, to]. `cap` bounds the work: a per-minute schedule over a year has half
 * a million runs, and callers only ever need to know "how many, up to a limit".
 */
export function runsBetween(
  schedule: RunSchedule,
  from: Date,
  to: Date,
  cap = DEFAULT_RUNS_CAP,
): RunsBetween {
  const runs: Date[] = [];
  let cursor = from;
  while (runs.length < cap) {
    const next = nextRunAfter(schedule, cursor);
    if (next === undefined || next.getTime() > to.getTime()) return { runs, capped: false };
    runs.push(next);
    cursor = next;
  }
  const beyond = nextRunAfter(schedule, cursor);
  return { runs, capped: beyond !== undefined && beyond.getTime() <= to.getTime() };
}
