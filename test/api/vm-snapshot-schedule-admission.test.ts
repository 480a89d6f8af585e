// The VMSnapshotSchedule CRD in a real API server (vmsnap's embedded control plane, talked to with
// @kubernetes/client-node): the CEL rules and patterns reject at admission what they promise to, with their message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds } from '../../src/operator/install-crds.ts';
import { KubeClient } from '../../src/runtime/kube-client.ts';
import type { KubeObject, KubeResource } from '../../src/runtime/kube-object.ts';
import { kubeConfigFor } from '../support/client-node.ts';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';

const SCHEDULES: KubeResource = {
  group: 'vmsnap.io',
  version: 'v1alpha1',
  plural: 'vmsnapshotschedules',
  namespaced: true,
};
const NAMESPACE = 'default';

let controlPlane: TestControlPlane;
let client: KubeClient;

beforeAll(async () => {
  controlPlane = await startTestControlPlane();
  client = new KubeClient(kubeConfigFor(controlPlane), { fieldManager: 'test' });
  await installCrds(client);
}, 60_000);

afterAll(async () => {
  await controlPlane?.stop();
});

type ScheduleObject = KubeObject & { spec: Record<string, unknown> };

function schedule(name: string, spec: Record<string, unknown>): ScheduleObject {
  return {
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'VMSnapshotSchedule',
    metadata: { name, namespace: NAMESPACE },
    spec,
  } as ScheduleObject;
}

async function rejection(object: KubeObject): Promise<{ code: number; message: string }> {
  try {
    await client.create(SCHEDULES, object);
  } catch (error) {
    return error as { code: number; message: string };
  }
  throw new Error(`${object.metadata.name} was admitted`);
}

describe('VMSnapshotSchedule admission', () => {
  it('admits a valid schedule, fills in defaults, and lets its spec change', async () => {
    const created = await client.create<ScheduleObject>(
      SCHEDULES,
      schedule('nightly', { schedule: '30 2 * * *', vmNames: ['web-1'], retention: { daily: 7 } }),
    );
    expect(created.spec).toMatchObject({
      timeZone: 'UTC',
      suspend: false,
      concurrencyPolicy: 'Forbid',
      spread: '0',
      template: { memory: false, deletionPolicy: 'Delete', failureDeadline: '10m' },
    });
    const edited = await client.replace(SCHEDULES, {
      ...created,
      spec: { ...created.spec, schedule: '@hourly', suspend: true },
    });
    expect(edited.spec.schedule).toBe('@hourly');
  });

  it.each([
    [
      'no target',
      { schedule: '@daily', retention: { daily: 7 } },
      'exactly one of spec.selector and spec.vmNames',
    ],
    [
      'two targets',
      { schedule: '@daily', retention: { daily: 7 }, vmNames: ['a'], selector: { matchLabels: { a: 'b' } } },
      'exactly one of spec.selector and spec.vmNames',
    ],
    [
      'a retention that keeps nothing',
      { schedule: '@daily', vmNames: ['a'], retention: { keepLast: 0 } },
      'spec.retention must keep something',
    ],
    [
      'a cron in words',
      { schedule: 'daily at two', vmNames: ['a'], retention: { daily: 7 } },
      'spec.schedule',
    ],
    [
      'a time zone with a space',
      { schedule: '@daily', timeZone: 'Europe/Berlin now', vmNames: ['a'], retention: { daily: 7 } },
      'spec.timeZone',
    ],
  ])('rejects %s', async (name, spec, message) => {
    const error = await rejection(schedule(name.replaceAll(' ', '-'), spec));
    expect(error.code).toBe(422);
    expect(error.message).toContain(message);
  });
});
