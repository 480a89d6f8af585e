import { describe, expect, it } from 'vitest';
import { EventHistory, type RecordedEvent } from '../../src/apiserver/storage/event-history.ts';

function event(revision: number): RecordedEvent {
  return {
    type: 'MODIFIED',
    key: { resource: 'g/r', namespace: 'n', name: `o${revision}` },
    revision,
    objectJson: '{}',
    previousJson: undefined,
  };
}

describe('EventHistory', () => {
  it('returns exactly the retained events after any allowed revision, across ring wrap-arounds', () => {
    const start = 100;
    const limit = 7;
    const history = new EventHistory(limit, start);
    // Revisions with gaps (other resources' writes are not always recorded by the same history in tests).
    const revisions: number[] = [];
    let revision = start;
    for (let i = 0; i < 25; i++) {
      revision += 1 + (i % 3);
      revisions.push(revision);
      history.append(event(revision));

      const retained = revisions.slice(-limit);
      const completeSince = revisions.length > limit ? revisions[revisions.length - limit - 1]! : start;
      expect(history.completeSince).toBe(completeSince);
      for (let from = completeSince; from <= revision + 1; from++) {
        expect(history.since(from).map((e) => e.revision)).toEqual(retained.filter((r) => r > from));
      }
      expect(() => history.since(completeSince - 1)).toThrow(
        `too old resource version: ${completeSince - 1} (${completeSince})`,
      );
    }
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new EventHistory(0, 0)).toThrow(RangeError);
    expect(() => new EventHistory(1.5, 0)).toThrow('event history limit must be a positive integer, got 1.5');
  });
});
