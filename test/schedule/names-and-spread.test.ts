// Snapshot names are deterministic, valid object names, and unique per (schedule, VM, run); spread offsets are
// deterministic, inside the window, and spread out.
import { describe, expect, it } from 'vitest';
import { MAX_OBJECT_NAME_LENGTH, scheduledSnapshotName, spreadOffsetMs } from '../../src/schedule/index.ts';
import { HOUR, MINUTE } from './support/fake-clock.ts';

// Kubernetes' IsDNS1123Subdomain (apimachinery validation.go), written out independently of src/api: at most 253
// characters of dot-separated lowercase alphanumeric runs joined by '-' (no per-label length limit there).
function isDns1123Subdomain(name: string): boolean {
  return name.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name);
}

const RUN = new Date(Date.UTC(2026, 10, 24, 6, 0));

describe('scheduledSnapshotName', () => {
  it('is deterministic and reads as schedule, VM and UTC run time', () => {
    const name = scheduledSnapshotName('db-every-6h', 'web-1', RUN);
    expect(scheduledSnapshotName('db-every-6h', 'web-1', new Date(RUN.getTime()))).toBe(name);
    expect(name).toMatch(/^db-every-6h-web-1-20261124-0600-[0-9a-f]{8}$/);
    expect(isDns1123Subdomain(name)).toBe(true);
  });

  it('differs for another run, VM or schedule, including ones whose parts join the same way', () => {
    const names = new Set([
      scheduledSnapshotName('a-b', 'c', RUN),
      scheduledSnapshotName('a', 'b-c', RUN),
      scheduledSnapshotName('a-b', 'c', new Date(RUN.getTime() + MINUTE)),
      scheduledSnapshotName('a-b', 'd', RUN),
    ]);
    expect(names.size).toBe(4);
  });

  it('stays a valid name of at most 253 characters for the longest inputs, and unique', () => {
    const longSchedule = `${'s'.repeat(60)}.${'t'.repeat(60)}.${'u'.repeat(60)}.${'v'.repeat(60)}`.slice(
      0,
      253,
    );
    const longVm = `${'vm'.repeat(31)}.${'w'.repeat(63)}.${'x'.repeat(63)}.${'y'.repeat(61)}`;
    const names = new Set<string>();
    for (const [schedule, vm] of [
      [longSchedule, longVm],
      [longSchedule, `${longVm.slice(0, -1)}z`],
      [longSchedule.slice(0, 185), 'a'],
      [longSchedule.slice(0, 186), 'a'],
      ['s', longVm],
    ] as const) {
      for (let hour = 0; hour < 3; hour++) {
        const name = scheduledSnapshotName(schedule, vm, new Date(RUN.getTime() + hour * HOUR));
        expect(name.length).toBeLessThanOrEqual(MAX_OBJECT_NAME_LENGTH);
        expect(isDns1123Subdomain(name), name).toBe(true);
        names.add(name);
      }
    }
    expect(names.size).toBe(15);
  });

  it('a cut that would leave "-" or "." before the suffix is trimmed', () => {
    // Put a dot exactly where the cut falls for every cut position near the limit.
    for (let at = 220; at < 253; at++) {
      const schedule = `${'a'.repeat(at)}.${'b'.repeat(252 - at)}`.slice(0, 253);
      const name = scheduledSnapshotName(schedule.replace(/\.$/, ''), 'vm', RUN);
      expect(isDns1123Subdomain(name), name).toBe(true);
    }
  });
});

describe('spreadOffsetMs', () => {
  const WINDOW = 2 * MINUTE;
  const vms = Array.from({ length: 400 }, (_, i) => `vm-${i}`);

  it('is 0 without a window', () => {
    expect(spreadOffsetMs('uid-1', 'web-1', 0)).toBe(0);
  });

  it('is deterministic per schedule UID and VM', () => {
    expect(spreadOffsetMs('uid-1', 'web-1', WINDOW)).toBe(spreadOffsetMs('uid-1', 'web-1', WINDOW));
    const forOtherSchedule = vms.filter(
      (vm) => spreadOffsetMs('uid-1', vm, WINDOW) !== spreadOffsetMs('uid-2', vm, WINDOW),
    );
    expect(forOtherSchedule.length).toBeGreaterThan(vms.length * 0.9);
  });

  it('is a whole number of ms inside [0, window)', () => {
    for (const window of [1, 2, 999, WINDOW, 6 * HOUR]) {
      for (const vm of vms) {
        const offset = spreadOffsetMs('uid-1', vm, window);
        expect(Number.isInteger(offset)).toBe(true);
        expect(offset).toBeGreaterThanOrEqual(0);
        expect(offset).toBeLessThan(window);
      }
    }
  });

  it('spreads VMs over the whole window: every tenth of it gets a fair share', () => {
    const tenths = new Array<number>(10).fill(0);
    for (const vm of vms) tenths[Math.floor((spreadOffsetMs('uid-1', vm, WINDOW) / WINDOW) * 10)]! += 1;
    // 40 expected per tenth; a hash that clumps (or a constant) fails this by far.
    for (const count of tenths) {
      expect(count).toBeGreaterThan(20);
      expect(count).toBeLessThan(60);
    }
    expect(new Set(vms.map((vm) => spreadOffsetMs('uid-1', vm, WINDOW))).size).toBeGreaterThan(390);
  });
});
