import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDurationMs } from '../../src/api/duration.ts';

describe('parseDurationMs', () => {
  it.each([
    ['0', 0],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['90s', 90_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
    ['1m30s500ms', 90_500],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', '10', '10x', '1d', '-5m', ' 10m', '10m ', 'm', '1h-30m', '.5h', '1e3s'])(
    'rejects %j',
    (text) => {
      expect(parseDurationMs(text)).toBeUndefined();
    },
  );
});

describe('formatDurationMs', () => {
  it.each([0, 500, 90_000, 600_000, 5_400_000, 90_061_001])('%d ms round-trips', (ms) => {
    expect(parseDurationMs(formatDurationMs(ms))).toBe(ms);
  });

  it('writes the largest units first', () => {
    expect(formatDurationMs(5_400_000)).toBe('1h30m');
  });
});
