// Durations are written the way Kubernetes users already write them (Go's time.ParseDuration subset that makes
// sense for deadlines): `10m`, `1h30m`, `90s`, `1.5h`, `500ms`, and `0` for "none".

/** Anchored, RE2-compatible (the API server checks it too), so the CRD and the parser agree on what is valid. */
export const DURATION_PATTERN = '^(?:0|(?:[0-9]+(?:\\.[0-9]+)?(?:ms|h|m|s))+)$';

export const DURATION_HINT = 'a duration like 10m, 1h30m, 90s or 500ms (units h, m, s, ms), or 0 for none';

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|h|m|s)/g;
const WHOLE = new RegExp(DURATION_PATTERN);

/** Milliseconds of a duration string (rounded to whole ms), or undefined if the text is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  if (text === '0') return 0;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) {
    total += Number(amount) * (UNIT_MS[unit ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** The shortest canonical text for a whole number of milliseconds (`5400000` -> `1h30m`), for messages. */
export function formatDurationMs(ms: number): string {
  if (ms <= 0) return '0';
  let rest = Math.round(ms);
  let text = '';
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return text;
}
