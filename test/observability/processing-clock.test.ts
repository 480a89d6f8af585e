import { describe, expect, it } from 'vitest';
import { ProcessingClock } from '../../src/observability/processing-clock.ts';

describe('ProcessingClock', () => {
  it('tracks overlapping keys: a finish removes the start it measured from', () => {
    const clock = new ProcessingClock();
    clock.started(1000);
    clock.started(3000);
    expect(clock.longestRunningSeconds(6000)).toBe(5);
    expect(clock.unfinishedSeconds(6000)).toBe(8);
    // The key started at 1000 finishes first: the one started at 3000 is now the longest running.
    clock.finished(7000, 6);
    expect(clock.longestRunningSeconds(7000)).toBe(4);
    clock.finished(8000, 5);
    expect(clock.longestRunningSeconds(8000)).toBe(0);
    expect(clock.unfinishedSeconds(8000)).toBe(0);
  });

  it('ignores a finish without a start (a queue shut down mid-flight)', () => {
    const clock = new ProcessingClock();
    clock.finished(1000, 1);
    expect(clock.longestRunningSeconds(2000)).toBe(0);
  });
});
