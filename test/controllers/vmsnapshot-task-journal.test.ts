// The operator's snapshot task journal against the embedded API server: the record lives in an annotation of the
// owning VMSnapshot, survives the controller's status writes, and belongs to one object incarnation (uid).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiObject, VM_SNAPSHOTS } from '../../src/controllers/shared/resources.ts';
import {
  SNAPSHOT_TASK_ANNOTATION,
  VMSnapshotTaskJournal,
} from '../../src/controllers/shared/vmsnapshot-task-journal.ts';
import type { SnapshotOwner } from '../../src/drivers/port.ts';
import type { PendingSnapshotTask } from '../../src/drivers/snapshot-task-journal.ts';
import { StatusWriter } from '../../src/runtime/status-writer.ts';
import { NAMESPACE, OperatorEnv } from './support/operator-env.ts';

describe('VMSnapshotTaskJournal', () => {
  let env: OperatorEnv;
  let journal: VMSnapshotTaskJournal;
  /** Stands in for the VMSnapshot informer's cache: every object this test created. */
  const created: ApiObject[] = [];
  const cache = {
    get: (namespace: string | undefined, name: string) =>
      created.find((o) => o.metadata.namespace === namespace && o.metadata.name === name),
    list: () => created,
  };

  beforeAll(async () => {
    env = await OperatorEnv.start();
    journal = new VMSnapshotTaskJournal(env.client, cache);
  });

  afterAll(async () => {
    await env?.stop();
  });

  async function snapshot(name: string): Promise<{ object: ApiObject; owner: SnapshotOwner }> {
    const object = await env.client.create<ApiObject>(VM_SNAPSHOTS, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VMSnapshot',
      metadata: { name, namespace: NAMESPACE },
      spec: { vmName: 'web-1' },
    });
    created.push(object);
    return { object, owner: { uid: object.metadata.uid ?? '', namespace: NAMESPACE, name } };
  }
  const read = (name: string) => env.client.get<ApiObject>(VM_SNAPSHOTS, { namespace: NAMESPACE, name });
  const entry = (owner: SnapshotOwner, task: string): PendingSnapshotTask => ({
    vm: 'vm-57',
    snapshotName: `vs-${owner.uid}`,
    owner,
    task,
  });

  it('records a task on the VMSnapshot and keeps it through status writes made from an older copy', async () => {
    const { object, owner } = await snapshot('kept');
    await journal.started(entry(owner, 'task-68'));
    // The controller writes status from the copy it read before the task was recorded, as steps.ts does.
    const writer = new StatusWriter(env.client);
    await writer.patch(VM_SNAPSHOTS, object, { phase: 'InProgress', conditions: [] });
    const after = await read('kept');
    expect(after.status?.phase).toBe('InProgress');
    expect(JSON.parse(after.metadata.annotations?.[SNAPSHOT_TASK_ANNOTATION] ?? '{}')).toEqual({
      vm: 'vm-57',
      snapshotName: `vs-${owner.uid}`,
      task: 'task-68',
    });
    expect(await journal.pending('vm-57', owner.uid)).toEqual(entry(owner, 'task-68'));
    // Another VM's task is not this VM's.
    expect(await journal.pending('vm-99', owner.uid)).toBeUndefined();

    await journal.finished(entry(owner, 'task-68'));
    expect((await read('kept')).metadata.annotations?.[SNAPSHOT_TASK_ANNOTATION]).toBeUndefined();
    expect(await journal.pending('vm-57', owner.uid)).toBeUndefined();
    // Idempotent.
    await journal.finished(entry(owner, 'task-68'));
  });

  it('finishing an older task leaves a newer record alone', async () => {
    const { owner } = await snapshot('newer');
    await journal.started(entry(owner, 'task-1'));
    await journal.started(entry(owner, 'task-2'));
    await journal.finished(entry(owner, 'task-1'));
    expect((await journal.pending('vm-57', owner.uid))?.task).toBe('task-2');
  });

  it('never records on, or reads from, a re-created object of the same name', async () => {
    const { owner } = await snapshot('recreated');
    const stale: SnapshotOwner = { ...owner, uid: '00000000-0000-4000-8000-000000000000' };
    await expect(journal.started(entry(stale, 'task-5'))).rejects.toThrow();
    expect((await read('recreated')).metadata.annotations?.[SNAPSHOT_TASK_ANNOTATION]).toBeUndefined();
    await journal.started(entry(owner, 'task-6'));
    expect(await journal.pending('vm-57', stale.uid)).toBeUndefined();
    await journal.finished(entry(stale, 'task-6'));
    expect((await journal.pending('vm-57', owner.uid))?.task).toBe('task-6');
  });

  it('treats a deleted VMSnapshot or a hand-edited record as no task', async () => {
    const gone: SnapshotOwner = { uid: 'uid-gone', namespace: NAMESPACE, name: 'never-existed' };
    expect(await journal.pending('vm-57', gone.uid)).toBeUndefined();
    await journal.finished(entry(gone, 'task-7'));

    const { owner } = await snapshot('edited');
    await env.client.patch(
      VM_SNAPSHOTS,
      { namespace: NAMESPACE, name: 'edited' },
      { type: 'merge', body: { metadata: { annotations: { [SNAPSHOT_TASK_ANNOTATION]: 'not json' } } } },
    );
    expect(await journal.pending('vm-57', owner.uid)).toBeUndefined();
  });
});
