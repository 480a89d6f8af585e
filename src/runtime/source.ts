/** How an object changed, as a Source reports it. */
export type ChangeType = 'add' | 'update' | 'delete';

/**
 * Where a controller learns that objects changed: an informer, or a test double. Sources only tell; the
 * controller turns what they tell into keys.
 */
export interface Source<T> {
  /**
   * Calls `handler` for every added, updated and deleted object (deletions with the final state known), and for
   * an update with the object as it was before when the source knows it; returns an unsubscribe.
   */
  subscribe(handler: (obj: T, change: ChangeType, previous?: T) => void): () => void;
  /** Every object currently known. */
  list(): readonly T[];
  /** Resolves once the first full list has been received, so reconcilers never mistake "not yet seen" for "gone". */
  waitForSync(): Promise<void>;
}
