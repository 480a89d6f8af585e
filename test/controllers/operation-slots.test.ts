import { describe, expect, it } from 'vitest';
import { OperationSlots } from '../../src/controllers/shared/operation-slots.ts';

describe('OperationSlots', () => {
  it('allows up to the limit per hypervisor and counts hosts apart', () => {
    const slots = new OperationSlots();
    expect(slots.tryAcquire('kvm-01', 'a', 2)).toBe(true);
    expect(slots.tryAcquire('kvm-01', 'b', 2)).toBe(true);
    expect(slots.tryAcquire('kvm-01', 'c', 2)).toBe(false);
    expect(slots.tryAcquire('kvm-02', 'c', 2)).toBe(true);
    slots.release('kvm-01', 'a');
    expect(slots.tryAcquire('kvm-01', 'c', 2)).toBe(true);
    expect(slots.inFlight('kvm-01')).toBe(2);
  });

  it('lets a retried operation keep its slot without counting twice', () => {
    const slots = new OperationSlots();
    expect(slots.tryAcquire('kvm-01', 'a', 1)).toBe(true);
    expect(slots.tryAcquire('kvm-01', 'a', 1)).toBe(true);
    expect(slots.inFlight('kvm-01')).toBe(1);
  });

  it('treats a limit below one as one, so a misconfigured host still makes progress', () => {
    const slots = new OperationSlots();
    expect(slots.tryAcquire('kvm-01', 'a', 0)).toBe(true);
    expect(slots.tryAcquire('kvm-01', 'b', 0)).toBe(false);
  });
});
