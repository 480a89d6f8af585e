// Calendar buckets of an instant in a time zone, for retention: which local hour, day, ISO week and month a
// snapshot belongs to. Uses Intl (the ICU time-zone database Node ships), so no offsets are computed by hand.

export type BucketUnit = 'hour' | 'day' | 'week' | 'month';

interface LocalDate {
  year: number;
  month: number;
  day: number;
  hour: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

// Every UTC offset in use is a multiple of 15 minutes and changes on a 15-minute boundary, so the local hour is
// the same throughout a 15-minute slot: retention asks about the same few slots on every reconcile.
const SLOT_MS = 15 * 60_000;
const localDates = new Map<string, LocalDate>();
const LOCAL_DATE_CACHE_LIMIT = 20_000;

function localDate(at: Date, timeZone: string): LocalDate {
  const key = `${timeZone}\n${Math.floor(at.getTime() / SLOT_MS)}`;
  let local = localDates.get(key);
  if (local === undefined) {
    local = computeLocalDate(at, timeZone);
    if (localDates.size >= LOCAL_DATE_CACHE_LIMIT) localDates.clear();
    localDates.set(key, local);
  }
  return local;
}

function computeLocalDate(at: Date, timeZone: string): LocalDate {
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return { year: fields.year ?? 0, month: fields.month ?? 0, day: fields.day ?? 0, hour: fields.hour ?? 0 };
}

/**
 * A key that is equal for two instants exactly when they fall in the same local bucket: `2026-11-24T10`,
 * `2026-11-24`, `2026-W48` (ISO 8601 week, Monday first, as restic groups weeks) or `2026-11`. On a fall-back
 * night both passes through the repeated hour share one hourly bucket, as they share a local hour.
 */
export function bucketKey(at: Date, unit: BucketUnit, timeZone: string): string {
  const local = localDate(at, timeZone);
  const month = String(local.month).padStart(2, '0');
  const day = String(local.day).padStart(2, '0');
  switch (unit) {
    case 'hour':
      return `${local.year}-${month}-${day}T${String(local.hour).padStart(2, '0')}`;
    case 'day':
      return `${local.year}-${month}-${day}`;
    case 'week': {
      const { year, week } = isoWeek(local.year, local.month, local.day);
      return `${year}-W${String(week).padStart(2, '0')}`;
    }
    case 'month':
      return `${local.year}-${month}`;
  }
}

const DAY_MS = 86_400_000;

/** ISO 8601 week of a calendar date: the week belongs to the year its Thursday falls in. */
function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = Date.UTC(year, month - 1, day);
  const weekday = (new Date(date).getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  const thursday = new Date(date + (3 - weekday) * DAY_MS);
  const weekYear = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * DAY_MS)) + 1;
  return { year: weekYear, week };
}
