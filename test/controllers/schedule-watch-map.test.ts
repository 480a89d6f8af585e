// Which schedules a VirtualMachine, VMSnapshot or VMRevert change wakes: only those whose decision can depend on
// it, found through the cache indexes, so a VM's or snapshot's status churn during a run does not reconcile every
// schedule of its namespace (bench/schedule-scale-sim.ts).
import { describe, expect, it } from 'vitest';
import { SCHEDULE_LABEL } from '../../src/api/vm-snapshot-schedule.ts';
import type { ApiObject } from '../../src/controllers/shared/resources.ts';
import { scheduleIndexes } from '../../src/controllers/vmsnapshotschedule/indexes.ts';
import {
  schedulesForRevertChange,
  schedulesForSnapshotChange,
  schedulesForVmChange,
  schedulesSelecting,
} from '../../src/controllers/vmsnapshotschedule/watch-maps.ts';
import type { ChangeType, Source } from '../../src/runtime/source.ts';
import { labelValueFor } from '../../src/schedule/names.ts';

/** An in-memory fake informer: holds objects and tells subscribers of changes, as the real one does. */
class FakeSource implements Source<ApiObject> {
  readonly #objects = new Map<string, ApiObject>();
  readonly #handlers = new Set<(obj: ApiObject, change: ChangeType, previous?: ApiObject) => void>();

  constructor(objects: ApiObject[] = []) {
    for (const obj of objects) this.#objects.set(keyOf(obj), obj);
  }

  subscribe(handler: (obj: ApiObject, change: ChangeType, previous?: ApiObject) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  list(): readonly ApiObject[] {
    return [...this.#objects.values()];
  }

  async waitForSync(): Promise<void> {}

  put(obj: ApiObject): void {
    const previous = this.#objects.get(keyOf(obj));
    this.#objects.set(keyOf(obj), obj);
    for (const handler of this.#handlers) handler(obj, previous ? 'update' : 'add', previous);
  }
}

function keyOf(obj: ApiObject): string {
  return `${obj.metadata.namespace}/${obj.metadata.name}`;
}

function schedule(name: string, namespace: string, spec: Record<string, unknown>): ApiObject {
  return {
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'VMSnapshotSchedule',
    metadata: { name, namespace },
    spec,
  };
}

function vm(name: string, namespace: string, labels: Record<string, string>, status = {}): ApiObject {
  return {
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'VirtualMachine',
    metadata: { name, namespace, labels },
    spec: { hypervisorName: 'kvm-1', domain: name },
    status,
  };
}

function snapshot(name: string, scheduleName: string | undefined, phase?: string): ApiObject {
  return {
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'VMSnapshot',
    metadata: {
      name,
      namespace: 'prod',
      labels: scheduleName === undefined ? {} : { [SCHEDULE_LABEL]: labelValueFor(scheduleName) },
    },
    spec: { vmName: 'db-1' },
    ...(phase ? { status: { phase } } : {}),
  };
}

function revert(name: string, snapshotName: string, phase?: string): ApiObject {
  return {
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'VMRevert',
    metadata: { name, namespace: 'prod' },
    spec: { vmName: 'db-1', snapshotName },
    ...(phase ? { status: { phase } } : {}),
  };
}

function indexesOver(schedules: ApiObject[]) {
  const schedulesSource = new FakeSource(schedules);
  const indexes = scheduleIndexes({
    schedules: schedulesSource,
    virtualMachines: new FakeSource(),
    snapshots: new FakeSource(),
    reverts: new FakeSource(),
  });
  return { indexes, schedulesSource };
}

const { indexes } = indexesOver([
  schedule('db', 'prod', { selector: { matchLabels: { tier: 'db' } } }),
  schedule('db-eu', 'prod', { selector: { matchLabels: { tier: 'db', region: 'eu' } } }),
  schedule('not-web', 'prod', {
    selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] },
  }),
  schedule('by-name', 'prod', { vmNames: ['db-1', 'web-9'] }),
  schedule('everything', 'prod', { selector: {} }),
  schedule('db-elsewhere', 'staging', { selector: { matchLabels: { tier: 'db' } } }),
  schedule('broken', 'prod', {}),
]);

describe('schedulesSelecting', () => {
  it('wakes the schedules of the namespace that select the VM by label, expression or name', () => {
    expect(schedulesSelecting(indexes, vm('db-1', 'prod', { tier: 'db' })).sort()).toEqual(
      ['prod/broken', 'prod/by-name', 'prod/db', 'prod/everything', 'prod/not-web'].sort(),
    );
  });

  it('needs every matchLabels pair, not only the one the schedule is filed under', () => {
    expect(schedulesSelecting(indexes, vm('db-2', 'prod', { tier: 'db', region: 'eu' }))).toContain(
      'prod/db-eu',
    );
    expect(schedulesSelecting(indexes, vm('db-3', 'prod', { tier: 'db', region: 'us' }))).not.toContain(
      'prod/db-eu',
    );
  });

  it('leaves out schedules whose selector does not match and other namespaces', () => {
    expect(schedulesSelecting(indexes, vm('web-1', 'prod', { tier: 'web' })).sort()).toEqual(
      ['prod/broken', 'prod/everything'].sort(),
    );
    expect(schedulesSelecting(indexes, vm('db-1', 'staging', { tier: 'db' }))).toEqual([
      'staging/db-elsewhere',
    ]);
  });

  it('follows schedules created and changed after the index was built', () => {
    const { indexes: fresh, schedulesSource: source } = indexesOver([]);
    const web = vm('web-1', 'prod', { tier: 'web' });
    expect(schedulesSelecting(fresh, web)).toEqual([]);
    source.put(schedule('late', 'prod', { selector: { matchLabels: { tier: 'web' } } }));
    expect(schedulesSelecting(fresh, web)).toEqual(['prod/late']);
    source.put(schedule('late', 'prod', { selector: { matchLabels: { tier: 'db' } } }));
    expect(schedulesSelecting(fresh, web)).toEqual([]);
  });
});

describe('schedulesForVmChange', () => {
  const db = vm('db-1', 'prod', { tier: 'db' });
  const held = vm('db-1', 'prod', { tier: 'db' }, { hold: { holder: { kind: 'VMSnapshot', name: 's' } } });

  it('wakes nobody when only the status churns or a hold is taken', () => {
    expect(schedulesForVmChange(indexes, { ...db, status: { phase: 'Running' } }, 'update', db)).toEqual([]);
    expect(schedulesForVmChange(indexes, held, 'update', db)).toEqual([]);
  });

  it('wakes the selecting schedules when a hold is released', () => {
    expect(schedulesForVmChange(indexes, db, 'update', held)).toContain('prod/db');
  });

  it('wakes both the schedules it joins and the ones it leaves when its labels change', () => {
    const moved = vm('db-1', 'prod', { tier: 'web' });
    const woken = schedulesForVmChange(indexes, moved, 'update', db);
    expect(woken).toContain('prod/db');
    expect(woken).toContain('prod/everything');
  });

  it('wakes the selecting schedules when the VM appears or goes', () => {
    expect(schedulesForVmChange(indexes, db, 'add', undefined)).toContain('prod/db');
    expect(schedulesForVmChange(indexes, db, 'delete', undefined)).toContain('prod/db');
  });
});

describe('schedulesForSnapshotChange', () => {
  it('wakes nobody on creation or between unfinished phases', () => {
    expect(schedulesForSnapshotChange(indexes, snapshot('s1', 'db'), 'add', undefined)).toEqual([]);
    expect(
      schedulesForSnapshotChange(
        indexes,
        snapshot('s1', 'db', 'InProgress'),
        'update',
        snapshot('s1', 'db', 'Pending'),
      ),
    ).toEqual([]);
  });

  it('wakes its own schedule when it becomes Ready or Failed, or goes', () => {
    expect(
      schedulesForSnapshotChange(
        indexes,
        snapshot('s1', 'db', 'Ready'),
        'update',
        snapshot('s1', 'db', 'InProgress'),
      ),
    ).toEqual(['prod/db']);
    expect(
      schedulesForSnapshotChange(
        indexes,
        snapshot('s1', 'db', 'Failed'),
        'update',
        snapshot('s1', 'db', 'InProgress'),
      ),
    ).toEqual(['prod/db']);
    expect(schedulesForSnapshotChange(indexes, snapshot('s1', 'db', 'Ready'), 'delete', undefined)).toEqual([
      'prod/db',
    ]);
  });

  it('wakes no schedule for a manual snapshot', () => {
    expect(
      schedulesForSnapshotChange(indexes, snapshot('m', undefined, 'Ready'), 'delete', undefined),
    ).toEqual([]);
  });
});

describe('schedulesForRevertChange', () => {
  it('wakes nobody while a revert only adds protection', () => {
    expect(schedulesForRevertChange(indexes, revert('r', 's1'), 'add', undefined)).toEqual([]);
    expect(
      schedulesForRevertChange(indexes, revert('r', 's1', 'Running'), 'update', revert('r', 's1')),
    ).toEqual([]);
  });

  it("wakes the namespace's schedules when a revert finishes or goes", () => {
    const woken = schedulesForRevertChange(
      indexes,
      revert('r', 's1', 'Succeeded'),
      'update',
      revert('r', 's1', 'Running'),
    );
    expect(woken).toContain('prod/db');
    expect(woken).not.toContain('staging/db-elsewhere');
    expect(schedulesForRevertChange(indexes, revert('r', 's1'), 'delete', undefined)).toContain('prod/db');
  });
});
