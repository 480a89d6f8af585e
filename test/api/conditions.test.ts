import { describe, expect, it } from 'vitest';
import { ConditionType, isValidReason, Reason } from '../../src/api/conditions.ts';

describe('condition vocabulary', () => {
  it.each(Object.values(Reason))('reason %s is a valid metav1.Condition reason', (reason) => {
    expect(isValidReason(reason)).toBe(true);
  });

  it('the kstatus trio and the hold conditions exist', () => {
    expect(Object.values(ConditionType)).toEqual([
      'Ready',
      'Reconciling',
      'Stalled',
      'Snapshotting',
      'Reverting',
      'TLSVerified',
    ]);
  });

  it.each(['', 'not ready', '1Ready', 'Ready-Now', 'Ready,'])('rejects %j', (reason) => {
    expect(isValidReason(reason)).toBe(false);
  });
});
