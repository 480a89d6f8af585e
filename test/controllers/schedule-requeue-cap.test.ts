// A schedule whose next run is weeks away must not ask for a requeue longer than a Node timer can wait: setTimeout
// fires after 1 ms for anything above 2^31-1 ms, which made monthly and yearly schedules reconcile in a tight loop
// (found by the 200-VM scale test, whose once-a-year schedule printed TimeoutOverflowWarning on every reconcile).
import { describe, expect, it } from 'vitest';
import { parseVMSnapshotSchedule } from '../../src/api/index.ts';
import { decideSchedule } from '../../src/controllers/vmsnapshotschedule/decide.ts';

/** The longest delay Node's setTimeout honours (a signed 32-bit millisecond count). */
const NODE_TIMER_MAX_MS = 2 ** 31 - 1;
const NOW = new Date(Date.UTC(2026, 0, 1, 0, 0, 30));

function requeueFor(cron: string): number | undefined {
  const parsed = parseVMSnapshotSchedule({
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'VMSnapshotSchedule',
    metadata: { name: 'rare', namespace: 'default', uid: 'uid-1', generation: 1 },
    spec: { schedule: cron, vmNames: ['web-1'], retention: { keepLast: 1 } },
  });
  if (!parsed.ok) throw parsed.error;
  return decideSchedule({
    schedule: parsed.value,
    createdAt: new Date(NOW.getTime() - 1_000),
    vmNames: ['web-1'],
    owned: [],
    protectedNames: new Set(),
    now: NOW,
  }).requeueAfterMs;
}

describe('requeue for a distant next run', () => {
  it.each([
    ['@monthly (31 days to the next run in January)', '@monthly'],
    ['once a year', '0 0 1 1 *'],
  ])('%s stays within what a Node timer can wait, and still requeues', (_label, cron) => {
    const requeue = requeueFor(cron);
    expect(requeue).toBeGreaterThan(0);
    expect(requeue).toBeLessThanOrEqual(NODE_TIMER_MAX_MS);
  });

  it('a near run is requeued for exactly its time', () => {
    // Next run 00:01:00, 30 s away: the cap must not change short requeues.
    expect(requeueFor('* * * * *')).toBe(30_000);
  });
});
