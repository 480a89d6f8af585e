// The crash hook for snapshot creation on hypervisors whose snapshot call returns a task that runs on the server
// (vSphere's CreateSnapshot_Task). Such a task keeps running when the client dies; a retry that found no snapshot
// yet (the task still running) would start a second one. A journal that persists the task's id (the operator
// keeps it on the VMSnapshot, src/controllers/shared/vmsnapshot-task-journal.ts) lets the retry wait for that
// task instead. Driver-neutral: nothing here is specific to one hypervisor or to Kubernetes.

import type { SnapshotOwner } from './port.ts';

/** A snapshot task the hypervisor accepted and that may still be running. */
export interface PendingSnapshotTask {
  /** The VM's identity on the hypervisor (vSphere: its moref, e.g. `vm-57`). */
  vm: string;
  snapshotName: string;
  /** Whose snapshot it is: the VMSnapshot (uid, namespace, name). */
  owner: SnapshotOwner;
  /** The task's id on the hypervisor (vSphere: its moref, e.g. `task-68`). */
  task: string;
}

/**
 * Persistence for in-flight snapshot tasks, keyed by VM and owner uid.
 *
 * Contract: `started` is awaited right after the hypervisor returned the task and before the driver waits on it;
 * if it throws, the driver still waits for the task, then fails (the retry adopts the snapshot by owner uid).
 * `pending` is asked before creating again, and before deleting a snapshot that is not there (yet): an entry makes
 * the driver wait on that task (or, if the hypervisor no longer knows it, re-read the VM's snapshots) instead of
 * starting another, or of reporting "already gone" while the task is about to make it. `finished` is called once
 * the task ended either way. All three must be idempotent; `finished` for an entry that is no longer recorded
 * does nothing.
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
    this.entries.set(key(entry.vm, entry.owner.uid), entry);
  }

  async pending(vm: string, ownerUid: string): Promise<PendingSnapshotTask | undefined> {
    return this.entries.get(key(vm, ownerUid));
  }

  async finished(entry: PendingSnapshotTask): Promise<void> {
    const k = key(entry.vm, entry.owner.uid);
    if (this.entries.get(k)?.task === entry.task) this.entries.delete(k);
  }
}

function key(vm: string, ownerUid: string): string {
  return `${vm}\u0000${ownerUid}`;
}
