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

  it('wakes the longest waiter once when a slot frees, and forgets waiters that got a slot', () => {
    const slots = new OperationSlots();
    const woken: string[] = [];
    const onFree = (key: string) => () => woken.push(key);
    expect(slots.tryAcquire('kvm-01', 'a', 1)).toBe(true);
    expect(slots.tryAcquire('kvm-01', 'b', 1, onFree('b'))).toBe(false);
    expect(slots.tryAcquire('kvm-01', 'c', 1, onFree('c'))).toBe(false);
    expect(slots.tryAcquire('kvm-01', 'b', 1, onFree('b'))).toBe(false);
    expect(slots.waitingFor('kvm-01')).toBe(2);
    slots.release('kvm-01', 'a');
    expect(woken).toEqual(['b']);
    expect(slots.tryAcquire('kvm-01', 'b', 1)).toBe(true);
    slots.release('kvm-01', 'b');
    expect(woken).toEqual(['b', 'c']);
    // Releasing a slot that was not held wakes no one.
    slots.release('kvm-01', 'b');
    expect(woken).toEqual(['b', 'c']);
    expect(slots.waitingFor('kvm-01')).toBe(0);
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
