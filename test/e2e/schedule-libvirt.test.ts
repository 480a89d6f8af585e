// Schedules end to end on this machine, in real time: the embedded control plane with the operator started the
// way `vmsnap local` starts it, real libvirt/QEMU domains, and real kubectl doing what a user does. A
// `*/1 * * * *` schedule over two labelled VMs with keepLast 2 runs four times and leaves exactly the two newest
// runs' snapshots per VM (in the API and in `virsh snapshot-list`), a manual snapshot untouched; suspend stops
// it; deleting it leaves its snapshots. And a VM's maxSnapshots refuses a third manual snapshot before libvirt
// is asked. The schedule part waits for cron minutes (~5 minutes in all); every wait is on a condition, none
// asserts how long anything took.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAddon } from '../../src/cli/addons.ts';
import type { TestControlPlane } from '../support/control-plane.ts';
import { findKubectl, Kubectl } from '../support/kubectl.ts';
import {
  createTestDomain,
  libvirtAvailable,
  snapshotNames,
  sweepStaleTestDomains,
  type TestDomain,
} from '../support/libvirt/test-domain.ts';
import { manifest, SNAPSHOTS, startLocalOperator, VMS } from './kubectl-operator.ts';

const hasLibvirt = await libvirtAvailable();
const kubectlBinary = findKubectl('1.33');

const SCHEDULES = 'vmsnapshotschedules.vmsnap.io';
const SCHEDULE = 'every-minute';
const MINUTE = 60_000;

interface SnapshotObject {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
  };
  spec: { vmName: string };
  status?: { phase?: string; snapshotName?: string; conditions?: Condition[] };
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
}

interface ScheduleObject {
  metadata: { generation: number };
  status?: {
    lastScheduleTime?: string;
    lastSuccessfulTime?: string;
    missedRuns?: number;
    conditions?: Condition[];
  };
}

/**
 * Polls `read` every `intervalMs` until it returns a value. Each read runs kubectl or virsh, so it polls slowly:
 * the machine has two cores and the operator under test needs them.
 */
async function waitFor<T>(
  read: () => Promise<T | undefined>,
  what: string,
  timeoutMs: number,
  intervalMs = 2_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

async function libvirtSnapshots(domain: TestDomain): Promise<string[]> {
  return (await snapshotNames(domain.name)).sort();
}

describe.skipIf(!hasLibvirt || !kubectlBinary)(
  'schedules and snapshot limits on real libvirt, with kubectl',
  () => {
    let controlPlane: TestControlPlane;
    let operator: RunningAddon;
    let kubectl: Kubectl;
    /** Two VMs the schedule selects by label, and one with maxSnapshots: 2. */
    let domainA: TestDomain;
    let domainB: TestDomain;
    let domainCapped: TestDomain;

    async function getJson<T>(args: string[]): Promise<T> {
      return JSON.parse(await kubectl.ok(['get', ...args, '-o', 'json'])) as T;
    }

    async function scheduledSnapshots(): Promise<SnapshotObject[]> {
      const list = await getJson<{ items: SnapshotObject[] }>([
        SNAPSHOTS,
        '-l',
        `vmsnap.io/schedule=${SCHEDULE}`,
      ]);
      return list.items;
    }

    async function apply(kind: string, name: string, spec: Record<string, unknown>, extra: object = {}) {
      await kubectl.ok(['apply', '-f', '-'], { input: manifest(kind, name, spec, extra) });
    }

    async function waitReady(resource: string) {
      await kubectl.ok(['wait', '--for=condition=Ready', resource, '--timeout=120s'], { timeoutMs: 130_000 });
    }

    beforeAll(async () => {
      await sweepStaleTestDomains();
      [domainA, domainB, domainCapped] = await Promise.all([
        createTestDomain({ label: 'sched-a' }),
        createTestDomain({ label: 'sched-b' }),
        createTestDomain({ label: 'capped' }),
      ]);
      ({ controlPlane, operator } = await startLocalOperator());
      kubectl = await Kubectl.create(kubectlBinary!, controlPlane.kubeconfigPath);
      await apply('Hypervisor', 'kvm-sched', { driver: 'libvirt', uri: domainA.uri });
      await waitReady('hypervisors.vmsnap.io/kvm-sched');
      const vms: [string, TestDomain, object, object][] = [
        ['sched-a', domainA, {}, { labels: { tier: 'e2e-scheduled' } }],
        ['sched-b', domainB, {}, { labels: { tier: 'e2e-scheduled' } }],
        ['capped', domainCapped, { maxSnapshots: 2 }, {}],
      ];
      for (const [name, domain, spec, extra] of vms) {
        await apply(
          'VirtualMachine',
          name,
          { hypervisorName: 'kvm-sched', domain: domain.name, ...spec },
          extra,
        );
      }
      for (const [name] of vms) await waitReady(`${VMS}/${name}`);
    }, 240_000);

    afterAll(async () => {
      await operator?.stop();
      await kubectl?.dispose();
      await controlPlane?.stop();
      await Promise.all([domainA?.remove(), domainB?.remove(), domainCapped?.remove()]);
    });

    it('maxSnapshots 2: the third manual snapshot is Failed with SnapshotLimitReached and libvirt has nothing new', async () => {
      for (const name of ['capped-1', 'capped-2']) {
        await apply('VMSnapshot', name, { vmName: 'capped' });
        await waitReady(`${SNAPSHOTS}/${name}`);
      }
      const before = await libvirtSnapshots(domainCapped);
      expect(before).toHaveLength(2);

      await apply('VMSnapshot', 'capped-3', { vmName: 'capped' });
      await kubectl.ok(
        ['wait', '--for=jsonpath={.status.phase}=Failed', `${SNAPSHOTS}/capped-3`, '--timeout=120s'],
        { timeoutMs: 130_000 },
      );
      const third = await getJson<SnapshotObject>([`${SNAPSHOTS}/capped-3`]);
      const stalled = third.status?.conditions?.find((c) => c.type === 'Stalled');
      expect(stalled).toMatchObject({ status: 'True', reason: 'SnapshotLimitReached' });
      expect(stalled?.message).toContain('spec.maxSnapshots 2');
      expect(third.status?.snapshotName).toBeUndefined();
      expect(await libvirtSnapshots(domainCapped)).toEqual(before);
    }, 180_000);

    it(
      'every minute with keepLast 2: after four runs two snapshots per VM, a manual one untouched; suspend stops it; deleting it leaves them',
      async () => {
        await apply('VMSnapshot', 'sched-a-manual', { vmName: 'sched-a' });
        await waitReady(`${SNAPSHOTS}/sched-a-manual`);
        const manual = await getJson<SnapshotObject>([`${SNAPSHOTS}/sched-a-manual`]);
        const manualOnLibvirt = manual.status?.snapshotName ?? '';
        expect(manualOnLibvirt).not.toBe('');

        await apply('VMSnapshotSchedule', SCHEDULE, {
          schedule: '*/1 * * * *',
          selector: { matchLabels: { tier: 'e2e-scheduled' } },
          retention: { keepLast: 2 },
          template: { failureDeadline: '5m' },
        });
        const firstRun = await waitFor(
          async () => (await getJson<ScheduleObject>([`${SCHEDULES}/${SCHEDULE}`])).status?.lastScheduleTime,
          'the first run',
          2 * MINUTE + 30_000,
        );
        const fourthRun = new Date(new Date(firstRun).getTime() + 3 * MINUTE)
          .toISOString()
          .replace('.000', '');

        // Settled after the fourth run (or a later one, on a slow machine): the run done, pruning done, and the API
        // and libvirt agreeing. Checked together, in one poll, so a run starting meanwhile cannot mix two states.
        const settled = await waitFor(
          async () => {
            const schedule = await getJson<ScheduleObject>([`${SCHEDULES}/${SCHEDULE}`]);
            const last = schedule.status?.lastScheduleTime ?? '';
            if (last < fourthRun || schedule.status?.lastSuccessfulTime !== last) return undefined;
            const snapshots = await scheduledSnapshots();
            const perVm = (vm: string) => snapshots.filter((s) => s.spec.vmName === vm);
            if (snapshots.some((s) => s.metadata.deletionTimestamp || s.status?.phase !== 'Ready'))
              return undefined;
            if (perVm('sched-a').length !== 2 || perVm('sched-b').length !== 2) return undefined;
            const onLibvirt = { a: await libvirtSnapshots(domainA), b: await libvirtSnapshots(domainB) };
            if (onLibvirt.a.length !== 3 || onLibvirt.b.length !== 2) return undefined;
            return { schedule, snapshots, onLibvirt, last };
          },
          'two Ready scheduled snapshots per VM after the fourth run, pruned on libvirt too',
          6 * MINUTE,
        );
        const { snapshots, onLibvirt, last } = settled;
        expect(settled.schedule.status?.missedRuns ?? 0).toBe(0);
        const previous = new Date(new Date(last).getTime() - MINUTE).toISOString().replace('.000', '');
        for (const vm of ['sched-a', 'sched-b']) {
          const ofVm = snapshots.filter((s) => s.spec.vmName === vm);
          expect(ofVm.map((s) => s.metadata.annotations?.['vmsnap.io/scheduled-at']).sort()).toEqual([
            previous,
            last,
          ]);
          expect(ofVm.every((s) => s.metadata.labels?.['vmsnap.io/vm'] === vm)).toBe(true);
        }
        const libvirtNamesOf = (vm: string) =>
          snapshots
            .filter((s) => s.spec.vmName === vm)
            .map((s) => s.status?.snapshotName ?? '')
            .sort();
        expect(onLibvirt.a).toEqual([...libvirtNamesOf('sched-a'), manualOnLibvirt].sort());
        expect(onLibvirt.b).toEqual(libvirtNamesOf('sched-b'));
        const manualAfter = await getJson<SnapshotObject>([`${SNAPSHOTS}/sched-a-manual`]);
        expect(manualAfter.status?.phase).toBe('Ready');

        // Suspend. Once the controller has seen it, no run is taken over the next minute boundary.
        await kubectl.ok([
          'patch',
          `${SCHEDULES}/${SCHEDULE}`,
          '--type=merge',
          '-p',
          '{"spec":{"suspend":true}}',
        ]);
        const suspended = await waitFor(
          async () => {
            const schedule = await getJson<ScheduleObject>([`${SCHEDULES}/${SCHEDULE}`]);
            const ready = schedule.status?.conditions?.find((c) => c.type === 'Ready');
            const seen =
              ready?.reason === 'Suspended' && ready.observedGeneration === schedule.metadata.generation;
            if (!seen) return undefined;
            // A run that started just before the suspension may still be finishing.
            const all = await scheduledSnapshots();
            return all.every((s) => s.status?.phase === 'Ready' || s.status?.phase === 'Failed')
              ? { schedule, names: all.map((s) => s.metadata.name).sort() }
              : undefined;
          },
          'the suspension observed',
          2 * MINUTE,
        );
        const suspendedAt = Date.now();
        const boundaryPassed = Math.ceil(suspendedAt / MINUTE) * MINUTE + 15_000;
        await waitFor(
          async () => (Date.now() > boundaryPassed ? true : undefined),
          'the next minute boundary',
          2 * MINUTE,
        );
        const whileSuspended = await getJson<ScheduleObject>([`${SCHEDULES}/${SCHEDULE}`]);
        expect(whileSuspended.status?.lastScheduleTime).toBe(suspended.schedule.status?.lastScheduleTime);
        expect((await scheduledSnapshots()).map((s) => s.metadata.name).sort()).toEqual(suspended.names);

        // Deleting the schedule leaves its snapshots, in the API and on libvirt.
        const beforeDelete = { a: await libvirtSnapshots(domainA), b: await libvirtSnapshots(domainB) };
        await kubectl.ok(['delete', `${SCHEDULES}/${SCHEDULE}`, '--timeout=60s'], { timeoutMs: 70_000 });
        expect((await kubectl.run(['get', `${SCHEDULES}/${SCHEDULE}`])).code).not.toBe(0);
        const left = await scheduledSnapshots();
        expect(left.map((s) => s.metadata.name).sort()).toEqual(suspended.names);
        expect(left.every((s) => s.status?.phase === 'Ready' && !s.metadata.deletionTimestamp)).toBe(true);
        expect({ a: await libvirtSnapshots(domainA), b: await libvirtSnapshots(domainB) }).toEqual(
          beforeDelete,
        );
      },
      12 * MINUTE,
    );
  },
);
