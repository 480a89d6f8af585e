import { describe, expect, it } from 'vitest';
import {
  type Condition,
  getCondition,
  isFalse,
  isTrue,
  kstatus,
  readyConditions,
  removeCondition,
  setCondition,
  setConditions,
} from '../../src/runtime/conditions.ts';

const t0 = new Date('2026-11-24T10:00:00Z');
const t1 = new Date('2026-11-24T10:05:00Z');
const t2 = new Date('2026-11-24T10:10:00Z');

describe('setCondition', () => {
  it('adds a new condition stamped with now', () => {
    const conditions: Condition[] = [];
    const changed = setCondition(
      conditions,
      {
        type: 'Ready',
        status: 'False',
        reason: 'Creating',
        message: 'taking snapshot',
        observedGeneration: 1,
      },
      t0,
    );
    expect(changed).toBe(true);
    expect(conditions).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'Creating',
        message: 'taking snapshot',
        observedGeneration: 1,
        lastTransitionTime: '2026-11-24T10:00:00.000Z',
      },
    ]);
  });

  it('reports no change and keeps the time when nothing differs', () => {
    const conditions: Condition[] = [];
    const update = {
      type: 'Ready',
      status: 'True',
      reason: 'Done',
      message: 'ok',
      observedGeneration: 2,
    } as const;
    setCondition(conditions, update, t0);
    const before = structuredClone(conditions);
    expect(setCondition(conditions, { ...update }, t1)).toBe(false);
    expect(conditions).toEqual(before);
  });

  it('keeps lastTransitionTime when only reason, message or observedGeneration change', () => {
    const conditions: Condition[] = [];
    setCondition(
      conditions,
      { type: 'Ready', status: 'False', reason: 'A', message: 'a', observedGeneration: 1 },
      t0,
    );
    expect(
      setCondition(
        conditions,
        { type: 'Ready', status: 'False', reason: 'B', message: 'b', observedGeneration: 2 },
        t1,
      ),
    ).toBe(true);
    expect(conditions[0]).toMatchObject({ reason: 'B', message: 'b', observedGeneration: 2 });
    expect(conditions[0]?.lastTransitionTime).toBe(t0.toISOString());
  });

  it('moves lastTransitionTime only when the status changes', () => {
    const conditions: Condition[] = [];
    setCondition(conditions, { type: 'Ready', status: 'False', reason: 'A', message: '' }, t0);
    setCondition(conditions, { type: 'Ready', status: 'True', reason: 'A', message: '' }, t1);
    expect(conditions[0]?.lastTransitionTime).toBe(t1.toISOString());
    setCondition(conditions, { type: 'Ready', status: 'True', reason: 'A', message: 'still' }, t2);
    expect(conditions[0]?.lastTransitionTime).toBe(t1.toISOString());
  });

  it('upserts by type without touching other conditions', () => {
    const conditions: Condition[] = [];
    setCondition(conditions, { type: 'Ready', status: 'True', reason: 'A', message: '' }, t0);
    setCondition(conditions, { type: 'Snapshotting', status: 'True', reason: 'B', message: '' }, t1);
    setCondition(conditions, { type: 'Snapshotting', status: 'False', reason: 'C', message: '' }, t2);
    expect(conditions.map((c) => [c.type, c.status, c.lastTransitionTime])).toEqual([
      ['Ready', 'True', t0.toISOString()],
      ['Snapshotting', 'False', t2.toISOString()],
    ]);
  });

  it('removing observedGeneration counts as a change', () => {
    const conditions: Condition[] = [];
    setCondition(
      conditions,
      { type: 'Ready', status: 'True', reason: 'A', message: '', observedGeneration: 3 },
      t0,
    );
    expect(setCondition(conditions, { type: 'Ready', status: 'True', reason: 'A', message: '' }, t1)).toBe(
      true,
    );
    expect(conditions[0]).not.toHaveProperty('observedGeneration');
  });

  it('rejects reasons and statuses the API server would reject', () => {
    expect(() =>
      setCondition([], { type: 'Ready', status: 'True', reason: 'has spaces', message: '' }, t0),
    ).toThrow(/reason "has spaces"/);
    expect(() => setCondition([], { type: 'Ready', status: 'True', reason: '', message: '' }, t0)).toThrow(
      /reason/,
    );
    expect(() =>
      setCondition([], { type: 'Ready', status: 'Yes' as 'True', reason: 'Ok', message: '' }, t0),
    ).toThrow(/True, False or Unknown/);
  });

  it('setConditions reports a change if any update changed something', () => {
    const conditions: Condition[] = [];
    const updates = readyConditions('InProgress', { reason: 'Working', message: 'm', observedGeneration: 1 });
    expect(setConditions(conditions, updates, t0)).toBe(true);
    expect(setConditions(conditions, updates, t1)).toBe(false);
    expect(setConditions(conditions, readyConditions('Ready', { reason: 'Done', message: 'm' }), t1)).toBe(
      true,
    );
  });
});

describe('condition queries', () => {
  const conditions: Condition[] = [
    { type: 'Ready', status: 'True', reason: 'A', message: '', lastTransitionTime: t0.toISOString() },
    { type: 'Stalled', status: 'False', reason: 'A', message: '', lastTransitionTime: t0.toISOString() },
  ];

  it('finds by type and reads status', () => {
    expect(getCondition(conditions, 'Ready')?.status).toBe('True');
    expect(getCondition(conditions, 'Missing')).toBeUndefined();
    expect(getCondition(undefined, 'Ready')).toBeUndefined();
    expect(isTrue(conditions, 'Ready')).toBe(true);
    expect(isTrue(conditions, 'Stalled')).toBe(false);
    expect(isFalse(conditions, 'Stalled')).toBe(true);
    expect(isFalse(conditions, 'Missing')).toBe(false);
  });

  it('removeCondition removes by type and reports whether it did', () => {
    const copy = structuredClone(conditions);
    expect(removeCondition(copy, 'Stalled')).toBe(true);
    expect(removeCondition(copy, 'Stalled')).toBe(false);
    expect(copy.map((c) => c.type)).toEqual(['Ready']);
  });
});

describe('kstatus', () => {
  const withState = (state: 'Ready' | 'InProgress' | 'Stalled', generation = 1, observedGeneration = 1) => {
    const conditions: Condition[] = [];
    setConditions(conditions, readyConditions(state, { reason: 'R', message: '', observedGeneration }), t0);
    return { metadata: { generation }, status: { observedGeneration, conditions } };
  };

  it('reads the states readyConditions writes the way kstatus does', () => {
    expect(kstatus(withState('Ready'))).toBe('Current');
    expect(kstatus(withState('InProgress'))).toBe('InProgress');
    expect(kstatus(withState('Stalled'))).toBe('Failed');
  });

  it('puts deletion and a stale observedGeneration first', () => {
    expect(kstatus(withState('Ready', 2, 1))).toBe('InProgress');
    const deleting = withState('Ready');
    expect(
      kstatus({ ...deleting, metadata: { ...deleting.metadata, deletionTimestamp: t1.toISOString() } }),
    ).toBe('Terminating');
  });

  it('counts an object without Reconciling or Stalled as Current: real kstatus never reads Ready of a custom resource', () => {
    expect(kstatus({ metadata: { generation: 1 } })).toBe('Current');
    expect(
      kstatus({
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'Unknown',
              reason: 'A',
              message: '',
              lastTransitionTime: t0.toISOString(),
            },
          ],
        },
      }),
    ).toBe('Current');
  });

  it('marks exactly one of Ready, Reconciling, Stalled True', () => {
    for (const state of ['Ready', 'InProgress', 'Stalled'] as const) {
      const updates = readyConditions(state, { reason: 'R', message: '' });
      expect(updates.map((u) => u.type).sort()).toEqual(['Ready', 'Reconciling', 'Stalled']);
      expect(updates.filter((u) => u.status === 'True')).toHaveLength(1);
    }
  });
});
