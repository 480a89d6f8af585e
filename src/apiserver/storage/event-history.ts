import { errors } from '../errors.ts';
import type { ObjectKey } from '../types.ts';
import type { WatchEventType } from './store.ts';

/** A committed change as the history keeps it: JSON text, so replays hand out private copies. */
export interface RecordedEvent {
  type: WatchEventType;
  key: ObjectKey;
  revision: number;
  objectJson: string;
  previousJson: string | undefined;
}

/**
 * The last `limit` committed events, oldest first, for watch replay. `complete since R` means every event with
 * revision > R is retained; a watch from an older revision could miss events and must re-list (410 Expired).
 */
export class EventHistory {
  readonly #ring: (RecordedEvent | undefined)[];
  #start = 0;
  #size = 0;
  /** Every event with a revision greater than this is retained. */
  #completeSince: number;

  /** `startRevision`: the store's revision when the history begins (after a restart, nothing older is kept). */
  constructor(limit: number, startRevision: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`event history limit must be a positive integer, got ${limit}`);
    }
    this.#ring = new Array(limit);
    this.#completeSince = startRevision;
  }

  /** The oldest revision a watch may start from. */
  get completeSince(): number {
    return this.#completeSince;
  }

  /** Appends an event; the caller guarantees revisions increase. Drops the oldest event when full. */
  append(event: RecordedEvent): void {
    const capacity = this.#ring.length;
    if (this.#size === capacity) {
      const dropped = this.#ring[this.#start]!;
      this.#completeSince = dropped.revision;
      this.#ring[this.#start] = event;
      this.#start = (this.#start + 1) % capacity;
      return;
    }
    this.#ring[(this.#start + this.#size) % capacity] = event;
    this.#size++;
  }

  /**
   * Retained events with revision > `fromRevision`, oldest first.
   * Throws ApiError 410 Expired (kube's wording) when events after `fromRevision` may have been dropped.
   */
  since(fromRevision: number): RecordedEvent[] {
    if (fromRevision < this.#completeSince) {
      throw errors.expired(`too old resource version: ${fromRevision} (${this.#completeSince})`);
    }
    const first = this.#firstIndexAfter(fromRevision);
    const result: RecordedEvent[] = [];
    for (let i = first; i < this.#size; i++) result.push(this.#at(i));
    return result;
  }

  #at(logicalIndex: number): RecordedEvent {
    return this.#ring[(this.#start + logicalIndex) % this.#ring.length]!;
  }

  /** Binary search: revisions increase along the ring. */
  #firstIndexAfter(revision: number): number {
    let low = 0;
    let high = this.#size;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#at(mid).revision <= revision) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
