// The crash hook for createSnapshot. A vSphere task keeps running on the server when the client dies; a retry
// that found no snapshot yet (the task still running) would start a second one. A caller that persists the
// task moref (e.g. in the VMSnapshot's status or an annotation) lets the retry wait for that task instead.

/** A CreateSnapshot_Task the server accepted. */
export interface PendingSnapshotTask {
  /** The VM's moref, e.g. `vm-57`. */
  vm: string;
  snapshotName: string;
  ownerUid: string;
  /** The task's moref, e.g. `task-68`. */
  task: string;
}

/**
 * Optional persistence for in-flight snapshot tasks.
 *
 * Contract: `started` is awaited right after the server returned the task and before the driver waits on it;
 * if it throws, createSnapshot fails (the task may still complete: the retry adopts the snapshot by owner uid).
 * `pending` is asked before creating: an entry makes the driver wait on that task (or, if the server no longer
 * knows it, re-read the snapshot tree) instead of starting another. `finished` is called once the task ended
 * either way. All three must be idempotent.
 */
export interface SnapshotTaskJournal {
  started(entry: PendingSnapshotTask): Promise<void>;
  pending(vm: string, ownerUid: string): Promise<PendingSnapshotTask | undefined>;
  finished(entry: PendingSnapshotTask): Promise<void>;
}

/** A journal in process memory: survives a failed call (e.g. a timeout), not a process restart. */
export class InMemoryTaskJournal implements SnapshotTaskJournal {
  private readonly entries = new Map<string, PendingSnapshotTask>();

  async started(entry: PendingSnapshotTask): Promise<void> {
    this.entries.set(key(entry.vm, entry.ownerUid), entry);
  }

  async pending(vm: string, ownerUid: string): Promise<PendingSnapshotTask | undefined> {
    return this.entries.get(key(vm, ownerUid));
  }

  async finished(entry: PendingSnapshotTask): Promise<void> {
    this.entries.delete(key(entry.vm, entry.ownerUid));
  }
}

function key(vm: string, ownerUid: string): string {
  return `${vm}\u0000${ownerUid}`;
}
