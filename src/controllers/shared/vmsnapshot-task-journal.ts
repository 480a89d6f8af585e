// Keeps the hypervisor task of a snapshot in flight on the VMSnapshot it belongs to, so an operator killed while
// vSphere's CreateSnapshot_Task runs waits for that same task after the restart instead of starting a second
// snapshot (docs/drivers/vsphere.md, "Crash safety").
//
// Why an annotation and not a status field: every status write goes through the status subresource, which by
// Kubernetes semantics never changes metadata, so no status write of any controller (a merge patch computed from
// a stale copy, a `replace`, a status rebuilt from scratch on failure) can erase the record while the task runs.
// A status field would survive only as long as every writer keeps sending diffs that leave it out. And status is
// meant to be rebuilt by observing the world: a task id whose only copy is lost cannot be observed again.

import type { SnapshotOwner } from '../../drivers/port.ts';
import type { PendingSnapshotTask, SnapshotTaskJournal } from '../../drivers/snapshot-task-journal.ts';
import type { KubeClient } from '../../runtime/kube-client.ts';
import { isNotFound, isPatchTestFailed } from '../../runtime/kube-error.ts';
import type { ObjectCache } from './deps.ts';
import { type ApiObject, VM_SNAPSHOTS } from './resources.ts';

/**
 * The annotation holding the task, as JSON `{"vm":"vm-57","snapshotName":"vs-…","task":"task-68"}`. Present only
 * while the task may run; removing it by hand makes a restarted operator start a new task if the old one has not
 * produced the snapshot yet.
 */
export const SNAPSHOT_TASK_ANNOTATION = 'vmsnap.io/hypervisor-task';

/** `/` inside a JSON Pointer segment is written `~1`. */
const ANNOTATION_POINTER = `/metadata/annotations/${SNAPSHOT_TASK_ANNOTATION.replace('~', '~0').replace('/', '~1')}`;

type Recorded = Omit<PendingSnapshotTask, 'owner'>;

/**
 * The operator's SnapshotTaskJournal: one annotation on the owning VMSnapshot (found by owner namespace/name, or by
 * uid through the informer cache, and always checked against the uid, so a re-created object of the same name
 * never inherits a task).
 *
 * Idempotency: `started` overwrites the record; `finished` removes it only while it is exactly that task's record
 * and treats a VMSnapshot that is gone as nothing to do (`started` then fails: the uid no longer matches). A record
 * edited by hand is read as no task and left in place.
 */
export class VMSnapshotTaskJournal implements SnapshotTaskJournal {
  readonly #client: KubeClient;
  readonly #snapshots: ObjectCache;

  /** `snapshots`: the VMSnapshot informer's cache, to find an owner by uid (the record itself is read fresh). */
  constructor(client: KubeClient, snapshots: ObjectCache) {
    this.#client = client;
    this.#snapshots = snapshots;
  }

  async started(entry: PendingSnapshotTask): Promise<void> {
    // The uid in the patch makes the API server refuse it for another object of the same name.
    await this.#client.patch<ApiObject>(VM_SNAPSHOTS, refOf(entry.owner), {
      type: 'merge',
      body: {
        metadata: { uid: entry.owner.uid, annotations: { [SNAPSHOT_TASK_ANNOTATION]: serialize(entry) } },
      },
    });
  }

  /**
   * One GET when the owner is in the cache. An owner the cache does not know yet has no record: records are only
   * looked up on retries and on deletes, long after the VMSnapshot was created and listed.
   */
  async pending(vm: string, ownerUid: string): Promise<PendingSnapshotTask | undefined> {
    const cached = this.#snapshots.list().find((o) => o.metadata.uid === ownerUid);
    if (!cached?.metadata.namespace || !cached.metadata.name) return undefined;
    const owner = { uid: ownerUid, namespace: cached.metadata.namespace, name: cached.metadata.name };
    const raw = await this.#read(owner);
    const record = raw === undefined ? undefined : parseRecord(raw);
    return record && record.vm === vm ? { ...record, owner } : undefined;
  }

  /** One request: the `test`s make it remove the record only while it is exactly the one `started` wrote. */
  async finished(entry: PendingSnapshotTask): Promise<void> {
    try {
      await this.#client.patch<ApiObject>(VM_SNAPSHOTS, refOf(entry.owner), {
        type: 'json',
        ops: [
          { op: 'test', path: '/metadata/uid', value: entry.owner.uid },
          { op: 'test', path: ANNOTATION_POINTER, value: serialize(entry) },
          { op: 'remove', path: ANNOTATION_POINTER },
        ],
      });
    } catch (error) {
      // Deleted, re-created, or the record names another task (or none): nothing of this task to remove.
      if (isNotFound(error) || isPatchTestFailed(error)) return;
      throw error;
    }
  }

  /** The annotation's raw value on the owner's VMSnapshot, if that object (same uid) still exists. */
  async #read(owner: SnapshotOwner): Promise<string | undefined> {
    const object = await this.#client.find<ApiObject>(VM_SNAPSHOTS, refOf(owner));
    if (!object || object.metadata.uid !== owner.uid) return undefined;
    return object.metadata.annotations?.[SNAPSHOT_TASK_ANNOTATION];
  }
}

/** The annotation's value; deterministic (fixed key order), so `finished` can test for exactly this text. */
function serialize(entry: PendingSnapshotTask): string {
  const record: Recorded = { vm: entry.vm, snapshotName: entry.snapshotName, task: entry.task };
  return JSON.stringify(record);
}

function refOf(owner: SnapshotOwner): { namespace: string; name: string } {
  return { namespace: owner.namespace, name: owner.name };
}

/** undefined for a value that is not a record this journal wrote (edited by hand): treated as no task. */
function parseRecord(raw: string): Recorded | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { vm, snapshotName, task } = value as Record<string, unknown>;
  if (typeof vm !== 'string' || typeof snapshotName !== 'string' || typeof task !== 'string')
    return undefined;
  if (!vm || !snapshotName || !task) return undefined;
  return { vm, snapshotName, task };
}
