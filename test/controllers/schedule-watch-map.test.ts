// Which schedules a VirtualMachine change wakes: only those that select the VM now (by name or label), so a VM's
// status churn during a run does not reconcile every schedule of its namespace (bench/schedule-scale-sim.ts).
import { describe, expect, it } from 'vitest';
import type { ObjectCache } from '../../src/controllers/shared/deps.ts';
import type { ApiObject } from '../../src/controllers/shared/resources.ts';
import { schedulesSelecting } from '../../src/controllers/vmsnapshotschedule/register.ts';

function schedule(name: string, namespace: string, spec: Record<string, unknown>): ApiObject {
  return {
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'VMSnapshotSchedule',
    metadata: { name, namespace },
    spec,
  };
}

function cacheOf(objects: ApiObject[]): ObjectCache {
  return {
    list: () => objects,
    get: (namespace, name) =>
      objects.find((o) => o.metadata.namespace === namespace && o.metadata.name === name),
  };
}

const schedules = cacheOf([
  schedule('db', 'prod', { selector: { matchLabels: { tier: 'db' } } }),
  schedule('not-web', 'prod', {
    selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] },
  }),
  schedule('by-name', 'prod', { vmNames: ['db-1', 'web-9'] }),
  schedule('everything', 'prod', { selector: {} }),
  schedule('db-elsewhere', 'staging', { selector: { matchLabels: { tier: 'db' } } }),
  schedule('broken', 'prod', {}),
]);

function vm(name: string, namespace: string, labels: Record<string, string>): ApiObject {
  return { apiVersion: 'vmsnap.io/v1alpha1', kind: 'VirtualMachine', metadata: { name, namespace, labels } };
}

describe('schedulesSelecting', () => {
  it('wakes the schedules of the namespace that select the VM by label, expression or name', () => {
    expect(schedulesSelecting(schedules, vm('db-1', 'prod', { tier: 'db' })).sort()).toEqual(
      ['prod/broken', 'prod/by-name', 'prod/db', 'prod/everything', 'prod/not-web'].sort(),
    );
  });

  it('leaves out schedules whose selector does not match and other namespaces', () => {
    expect(schedulesSelecting(schedules, vm('web-1', 'prod', { tier: 'web' })).sort()).toEqual(
      ['prod/broken', 'prod/everything'].sort(),
    );
    expect(schedulesSelecting(schedules, vm('db-1', 'staging', { tier: 'db' }))).toEqual([
      'staging/db-elsewhere',
    ]);
  });
});
