// The VMSnapshotSchedule controller end to end against a real API server (vmsnap's embedded control plane,
// @kubernetes/client-node informers and the runtime's Controller), with an injected clock. No VMSnapshot
// controller runs: the test plays it by writing snapshot phases.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiObject,
  HYPERVISORS,
  VIRTUAL_MACHINES,
  VM_REVERTS,
  VM_SNAPSHOTS,
} from '../../src/controllers/shared/resources.ts';
import { registerScheduleController } from '../../src/controllers/vmsnapshotschedule/register.ts';
import {
  SCHEDULED_AT_ANNOTATION,
  VM_SNAPSHOT_SCHEDULES,
} from '../../src/controllers/vmsnapshotschedule/resources.ts';
import { installCrds } from '../../src/operator/install-crds.ts';
import type { Controller } from '../../src/runtime/controller.ts';
import { EventRecorder } from '../../src/runtime/events.ts';
import { Informer } from '../../src/runtime/informer.ts';
import { KubeClient } from '../../src/runtime/kube-client.ts';
import type { KubeResource } from '../../src/runtime/kube-object.ts';
import { StatusWriter } from '../../src/runtime/status-writer.ts';
import { eventually, kubeConfigFor } from '../support/client-node.ts';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { HOUR, MINUTE } from './support/fake-clock.ts';

const NAMESPACE = 'default';
const logger = pino({ level: process.env.VMSNAP_TEST_LOG ?? 'silent' }, pino.destination(2));

let controlPlane: TestControlPlane;
let client: KubeClient;
let controller: Controller<ApiObject>;
let informers: Informer<ApiObject>[];
/** The injected clock the controller reads. */
let now = new Date();

beforeAll(async () => {
  controlPlane = await startTestControlPlane();
  const kubeConfig = kubeConfigFor(controlPlane);
  client = new KubeClient(kubeConfig, { fieldManager: 'test' });
  await installCrds(client);
  for (const name of ['web-1', 'web-2']) {
    await client.create(VIRTUAL_MACHINES, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VirtualMachine',
      metadata: { name, namespace: NAMESPACE },
      spec: { hypervisorName: 'kvm-01', domain: name },
    } as ApiObject);
  }
  const informer = (resource: KubeResource) =>
    new Informer<ApiObject>({ kubeConfig, client, resource, logger });
  const [schedules, virtualMachines, snapshots, reverts, hypervisors] = [
    informer(VM_SNAPSHOT_SCHEDULES),
    informer(VIRTUAL_MACHINES),
    informer(VM_SNAPSHOTS),
    informer(VM_REVERTS),
    informer(HYPERVISORS),
  ];
  informers = [schedules, virtualMachines, snapshots, reverts, hypervisors];
  controller = registerScheduleController({
    deps: {
      client,
      statusWriter: new StatusWriter(client),
      events: new EventRecorder({ client, logger, reportingInstance: 'test' }),
      now: () => now,
      hypervisors,
    },
    schedules,
    virtualMachines,
    snapshots,
    reverts,
    logger,
    // The injected clock jumps; a short resync makes the controller look again soon after each jump.
    resyncIntervalMs: 100,
  });
  for (const i of informers) i.start();
  await controller.start();
}, 60_000);

afterAll(async () => {
  await controller?.stop();
  await Promise.all((informers ?? []).map((i) => i.stop()));
  await controlPlane?.stop();
});

type Status = {
  lastScheduleTime?: string;
  nextScheduleTime?: string;
  lastSuccessfulTime?: string;
  missedRuns?: number;
  conditions?: { type: string; status: string; reason: string; message: string }[];
};

async function scheduleStatus(name: string): Promise<Status> {
  const object = await client.get<ApiObject>(VM_SNAPSHOT_SCHEDULES, { namespace: NAMESPACE, name });
  return (object.status ?? {}) as Status;
}

async function snapshotsOf(schedule: string): Promise<ApiObject[]> {
  const list = await client.list<ApiObject>(VM_SNAPSHOTS, {
    namespace: NAMESPACE,
    labelSelector: `vmsnap.io/schedule=${schedule}`,
  });
  return list.items.filter((s) => !s.metadata.deletionTimestamp);
}

async function markReady(snapshots: ApiObject[]) {
  for (const s of snapshots) {
    await client.patchStatus(
      VM_SNAPSHOTS,
      { namespace: NAMESPACE, name: s.metadata.name ?? '' },
      {
        type: 'merge',
        body: { status: { phase: 'Ready' } },
      },
    );
  }
}

describe('VMSnapshotSchedule controller', () => {
  it('takes runs on the injected clock, prunes by retention, counts missed runs, and leaves snapshots behind', async () => {
    now = new Date();
    await client.create(VM_SNAPSHOT_SCHEDULES, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VMSnapshotSchedule',
      metadata: { name: 'hourly', namespace: NAMESPACE },
      spec: {
        schedule: '@hourly',
        vmNames: ['web-1', 'web-2'],
        template: { memory: true, failureDeadline: '5m' },
        retention: { keepLast: 1 },
        startingDeadlineSeconds: 300,
      },
    } as ApiObject);

    const first = await eventually(async () => {
      const status = await scheduleStatus('hourly');
      return status.nextScheduleTime ? status : undefined;
    }, 'a next run');
    expect(first.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
      reason: 'Scheduled',
    });
    expect(await snapshotsOf('hourly')).toEqual([]);

    // The first run comes due.
    const run1 = new Date(first.nextScheduleTime ?? '');
    now = new Date(run1.getTime() + 10_000);
    const taken = await eventually(async () => {
      const list = await snapshotsOf('hourly');
      return list.length === 2 ? list : undefined;
    }, 'the first run');
    for (const snapshot of taken) {
      expect(snapshot.metadata.annotations?.[SCHEDULED_AT_ANNOTATION]).toBe(
        run1.toISOString().replace('.000', ''),
      );
      expect(snapshot.metadata.labels?.['vmsnap.io/vm']).toBe((snapshot.spec as { vmName: string }).vmName);
      expect(snapshot.spec).toMatchObject({ memory: true, failureDeadline: '5m', deletionPolicy: 'Delete' });
      expect(snapshot.metadata.ownerReferences ?? []).toEqual([]);
    }
    expect((await scheduleStatus('hourly')).lastScheduleTime).toBe(run1.toISOString().replace('.000', ''));
    await markReady(taken);

    // The second run: new snapshots; once they are Ready the first run's are pruned (keepLast 1).
    now = new Date(run1.getTime() + HOUR + 10_000);
    const second = await eventually(async () => {
      const list = await snapshotsOf('hourly');
      return list.length === 4 ? list : undefined;
    }, 'the second run');
    await markReady(second.filter((s) => !taken.some((t) => t.metadata.name === s.metadata.name)));
    const afterPrune = await eventually(async () => {
      const list = await snapshotsOf('hourly');
      return list.length === 2 ? list : undefined;
    }, 'the first run pruned');
    expect(afterPrune.map((s) => s.metadata.name).sort()).not.toContain(taken[0]?.metadata.name);
    const settled = await eventually(async () => {
      const status = await scheduleStatus('hourly');
      return status.lastSuccessfulTime === new Date(run1.getTime() + HOUR).toISOString().replace('.000', '')
        ? status
        : undefined;
    }, 'lastSuccessfulTime of the second run');
    expect(settled.missedRuns).toBe(0);

    // An outage: five runs come and go, the controller looks again 10 minutes after the last (deadline 5).
    now = new Date(run1.getTime() + 6 * HOUR + 10 * MINUTE);
    const missed = await eventually(async () => {
      const status = await scheduleStatus('hourly');
      return status.missedRuns === 5 ? status : undefined;
    }, 'five missed runs');
    expect(missed.nextScheduleTime).toBe(
      new Date(run1.getTime() + 7 * HOUR).toISOString().replace('.000', ''),
    );
    expect(await snapshotsOf('hourly')).toHaveLength(2);

    // A schedule admission lets through but the parser refuses: Stalled, InvalidSchedule.
    await client.patch(
      VM_SNAPSHOT_SCHEDULES,
      { namespace: NAMESPACE, name: 'hourly' },
      {
        type: 'merge',
        body: { spec: { schedule: '61 * * * *' } },
      },
    );
    const invalid = await eventually(async () => {
      const status = await scheduleStatus('hourly');
      const stalled = status.conditions?.find((c) => c.type === 'Stalled');
      return stalled?.status === 'True' ? status : undefined;
    }, 'Stalled');
    expect(invalid.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'InvalidSchedule',
    });

    // Deleting the schedule leaves its snapshots.
    await client.delete(VM_SNAPSHOT_SCHEDULES, { namespace: NAMESPACE, name: 'hourly' });
    await eventually(
      async () => !(await client.find(VM_SNAPSHOT_SCHEDULES, { namespace: NAMESPACE, name: 'hourly' })),
      'the schedule gone',
    );
    expect(await snapshotsOf('hourly')).toHaveLength(2);
  }, 60_000);

  it("at a VM's limit (the Hypervisor's by default) prunes first, and says which VM it cannot make room for", async () => {
    now = new Date();
    await client.create(HYPERVISORS, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'Hypervisor',
      metadata: { name: 'chain-limited' },
      spec: { driver: 'sim', uri: 'sim://chain-limited' },
    } as ApiObject);
    // What the Hypervisor controller records after probing a driver with a per-VM limit (vSphere: 32).
    await client.patchStatus(
      HYPERVISORS,
      { name: 'chain-limited' },
      { type: 'merge', body: { status: { capabilities: { maxSnapshotsPerVM: 1 } } } },
    );
    await createVm('capped', { hypervisorName: 'chain-limited', domain: 'capped' });
    await createVm('crowded', { hypervisorName: 'kvm-01', domain: 'crowded', maxSnapshots: 1 });
    await client.create(VM_SNAPSHOTS, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VMSnapshot',
      metadata: { name: 'crowded-manual', namespace: NAMESPACE },
      spec: { vmName: 'crowded' },
    } as ApiObject);
    await markReady([{ metadata: { name: 'crowded-manual' } } as ApiObject]);

    await client.create(VM_SNAPSHOT_SCHEDULES, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VMSnapshotSchedule',
      metadata: { name: 'limited', namespace: NAMESPACE },
      spec: { schedule: '@hourly', vmNames: ['capped', 'crowded'], retention: { keepLast: 1 } },
    } as ApiObject);
    const first = await eventually(async () => {
      const status = await scheduleStatus('limited');
      return status.nextScheduleTime ? status : undefined;
    }, 'a next run');
    const run1 = new Date(first.nextScheduleTime ?? '');
    now = new Date(run1.getTime() + 10_000);
    const taken = await eventually(async () => {
      const list = await snapshotsOf('limited');
      return list.length === 1 ? list : undefined;
    }, 'the first run, for capped only');
    expect((taken[0]?.spec as { vmName?: string } | undefined)?.vmName).toBe('capped');
    const stalled = await eventually(async () => {
      const status = await scheduleStatus('limited');
      const condition = status.conditions?.find((c) => c.type === 'Stalled');
      return condition?.status === 'True' ? condition : undefined;
    }, 'Stalled for crowded');
    expect(stalled.reason).toBe('SnapshotLimitReached');
    expect(stalled.message).toContain('VirtualMachine "crowded"');
    const schedule = await client.get<ApiObject>(VM_SNAPSHOT_SCHEDULES, {
      namespace: NAMESPACE,
      name: 'limited',
    });
    const warning = await eventually(async () => {
      const events = (await client.listEvents(NAMESPACE)).items;
      return events.find(
        (e) => e.regarding?.uid === schedule.metadata.uid && e.reason === 'SnapshotLimitReached',
      );
    }, 'a SnapshotLimitReached event');
    expect(warning.note).toContain('"crowded"');
    await markReady(taken);

    // The next run: capped is at the Hypervisor's limit of 1, so its first snapshot is deleted before the second.
    now = new Date(run1.getTime() + HOUR + 10_000);
    const second = await eventually(async () => {
      const list = await snapshotsOf('limited');
      return list.some((s) => s.metadata.name !== taken[0]?.metadata.name) ? list : undefined;
    }, 'the second run after the first was pruned');
    expect(second.map((s) => s.metadata.name)).not.toContain(taken[0]?.metadata.name);
    expect(second).toHaveLength(1);
  }, 60_000);

  it('a VM held at run time is snapshotted when the hold is released (within startingDeadlineSeconds)', async () => {
    now = new Date();
    await createVm('busy', { hypervisorName: 'kvm-01', domain: 'busy' });
    const hold = {
      operation: 'RevertTo',
      holder: { kind: 'VMRevert', name: 'undo', uid: 'revert-uid' },
      since: now.toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    await client.patchStatus(
      VIRTUAL_MACHINES,
      { namespace: NAMESPACE, name: 'busy' },
      { type: 'merge', body: { status: { hold } } },
    );
    await client.create(VM_SNAPSHOT_SCHEDULES, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VMSnapshotSchedule',
      metadata: { name: 'patient', namespace: NAMESPACE },
      spec: {
        schedule: '@hourly',
        vmNames: ['busy'],
        retention: { keepLast: 1 },
        startingDeadlineSeconds: 600,
      },
    } as ApiObject);
    const first = await eventually(async () => {
      const status = await scheduleStatus('patient');
      return status.nextScheduleTime ? status : undefined;
    }, 'a next run');
    const runAt = new Date(first.nextScheduleTime ?? '');
    now = new Date(runAt.getTime() + 10_000);
    await eventually(
      async () => (await scheduleStatus('patient')).lastScheduleTime === first.nextScheduleTime,
      'the run taken',
    );
    // The schedule has looked at the held VM (the resync runs every 100 ms) and left it alone.
    now = new Date(runAt.getTime() + 20_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await snapshotsOf('patient')).toEqual([]);

    await client.patchStatus(
      VIRTUAL_MACHINES,
      { namespace: NAMESPACE, name: 'busy' },
      { type: 'merge', body: { status: { hold: null } } },
    );
    const taken = await eventually(async () => {
      const list = await snapshotsOf('patient');
      return list.length === 1 ? list : undefined;
    }, 'the snapshot once the hold is released');
    expect(taken[0]?.metadata.annotations?.[SCHEDULED_AT_ANNOTATION]).toBe(first.nextScheduleTime);
  }, 60_000);

  it('selecting nothing is Stalled with NoVMsSelected; an unknown time zone is InvalidSchedule naming spec.timeZone', async () => {
    now = new Date();
    await client.create(VM_SNAPSHOT_SCHEDULES, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VMSnapshotSchedule',
      metadata: { name: 'empty', namespace: NAMESPACE },
      spec: { schedule: '@daily', selector: { matchLabels: { tier: 'nothing' } }, retention: { daily: 7 } },
    } as ApiObject);
    const empty = await eventually(async () => {
      const ready = (await scheduleStatus('empty')).conditions?.find((c) => c.type === 'Ready');
      return ready?.reason === 'NoVMsSelected' ? ready : undefined;
    }, 'NoVMsSelected');
    expect(empty.status).toBe('False');
    expect(empty.message).toContain('spec.selector');

    await client.create(VM_SNAPSHOT_SCHEDULES, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VMSnapshotSchedule',
      metadata: { name: 'martian', namespace: NAMESPACE },
      spec: {
        schedule: '@daily',
        timeZone: 'Mars/Olympus_Mons',
        vmNames: ['web-1'],
        retention: { daily: 7 },
      },
    } as ApiObject);
    const invalid = await eventually(async () => {
      const ready = (await scheduleStatus('martian')).conditions?.find((c) => c.type === 'Ready');
      return ready?.reason === 'InvalidSchedule' ? ready : undefined;
    }, 'InvalidSchedule');
    expect(invalid.status).toBe('False');
    expect(invalid.message).toContain('spec.timeZone');
  }, 60_000);
});

async function createVm(name: string, spec: Record<string, unknown>) {
  await client.create(VIRTUAL_MACHINES, {
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'VirtualMachine',
    metadata: { name, namespace: NAMESPACE },
    spec,
  } as ApiObject);
}
