// Two real `vmsnap operator --leader-elect` processes against one control plane and this machine's libvirt:
// exactly one reconciles (the standby's reconcile counters stay 0, yet it is Ready), kill -9 of the leader hands
// over to the standby once the lease runs out, and no snapshot is taken twice (libvirt shows one per VMSnapshot).
// The metrics are read from each process's own /metrics, as Prometheus would.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type ApiObject, VIRTUAL_MACHINES, VM_SNAPSHOTS } from '../../src/controllers/shared/resources.ts';
import type { KubeClient } from '../../src/runtime/kube-client.ts';
import { LEASES, type Lease } from '../../src/runtime/lease.ts';
import { type Sample, scrape } from '../observability/scrape.ts';
import { eventually } from '../support/client-node.ts';
import type { TestControlPlane } from '../support/control-plane.ts';
import {
  createTestDomain,
  libvirtAvailable,
  type TestDomain,
  virsh,
} from '../support/libvirt/test-domain.ts';
import {
  FAST_LEADER_ELECTION,
  isReady,
  type OperatorProcess,
  startOperatorProcess,
} from './leader-operator-process.ts';
import { startLibvirtControlPlane } from './libvirt-control-plane.ts';

const NAMESPACE = 'default';
/** FAST_LEADER_ELECTION's lease duration and retry period. */
const LEASE_MS = 8000;
const RETRY_MS = 1000;
const CONTROLLERS = ['hypervisor', 'virtualmachine', 'vmsnapshot'];
const hasLibvirt = await libvirtAvailable();

const statusOf = (obj: ApiObject) => (obj.status ?? {}) as Record<string, unknown>;

/** Sum of every sample named `name` whose labels include `labels` (0 when there is none). */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

describe.skipIf(!hasLibvirt)('two operator processes with --leader-elect, on real libvirt', () => {
  let controlPlane: TestControlPlane;
  let client: KubeClient;
  let domain: TestDomain;
  const operators: OperatorProcess[] = [];

  beforeAll(async () => {
    ({ controlPlane, client } = await startLibvirtControlPlane({
      fieldManager: 'leader-test',
      hypervisorName: 'kvm-le',
    }));
    domain = await createTestDomain({ label: 'leader', start: true });
    await client.create(VIRTUAL_MACHINES, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VirtualMachine',
      metadata: { name: 'vm-le', namespace: NAMESPACE },
      spec: { hypervisorName: 'kvm-le', domain: domain.name },
    });
  });

  afterAll(async () => {
    for (const operator of operators) await operator.kill();
    await controlPlane?.stop();
    await domain?.remove();
  });

  const start = (podName: string) => {
    const operator = startOperatorProcess(controlPlane.kubeconfigPath, {
      args: FAST_LEADER_ELECTION,
      env: { ...process.env, POD_NAME: podName, POD_NAMESPACE: NAMESPACE },
    });
    operators.push(operator);
    return operator;
  };
  const lease = () => client.find<Lease>(LEASES, { namespace: NAMESPACE, name: 'vmsnap-operator' });
  const holder = async () => (await lease())?.spec?.holderIdentity ?? '';

  async function takeSnapshot(name: string): Promise<string> {
    await client.create(VM_SNAPSHOTS, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VMSnapshot',
      metadata: { name, namespace: NAMESPACE },
      spec: { vmName: 'vm-le', memory: true },
    });
    const ready = await eventually(
      async () => {
        const obj = await client.get<ApiObject>(VM_SNAPSHOTS, { namespace: NAMESPACE, name });
        return statusOf(obj).phase === 'Ready' ? obj : undefined;
      },
      `${name} Ready`,
      90_000,
    );
    await eventually(
      async () =>
        statusOf(await client.get<ApiObject>(VIRTUAL_MACHINES, { namespace: NAMESPACE, name: 'vm-le' }))
          .hold === undefined,
      'the VM hold released',
      30_000,
    );
    return `vs-${ready.metadata.uid}`;
  }

  it('one leader reconciles, the standby is Ready and idle, and kill -9 hands over without repeating work', async () => {
    onTestFailed(() => {
      for (const operator of operators)
        console.error(`--- operator ${operator.pid} ---\n${operator.stderr().slice(-8000)}`);
    });
    const a = start('op-a');
    const b = start('op-b');
    const urls = new Map([
      [a, await a.healthUrl()],
      [b, await b.healthUrl()],
    ]);
    // Both Ready: a standby's informers are synced too, or a rollout with maxUnavailable 0 would hang.
    await eventually(
      async () => (await isReady(urls.get(a)!)) && (await isReady(urls.get(b)!)),
      'both Ready',
      30_000,
    );
    const firstHolder = await eventually(holder, 'a leader', 30_000);
    const [leader, standby] = firstHolder.startsWith('op-a_') ? [a, b] : [b, a];

    const first = await takeSnapshot('snap-1');

    const leaderMetrics = await scrape(urls.get(leader)!);
    const standbyMetrics = await scrape(urls.get(standby)!);
    for (const controller of CONTROLLERS) {
      expect(total(leaderMetrics, 'controller_runtime_reconcile_total', { controller })).toBeGreaterThan(0);
      // Registered at zero (dashboards see the series), never incremented: the standby did not reconcile.
      expect(total(standbyMetrics, 'controller_runtime_reconcile_total', { controller })).toBe(0);
      expect(
        standbyMetrics.some(
          (s) => s.name === 'controller_runtime_reconcile_total' && s.labels.controller === controller,
        ),
      ).toBe(true);
    }
    expect(total(leaderMetrics, 'vmsnap_snapshot_duration_seconds_count')).toBe(1);
    expect(total(standbyMetrics, 'vmsnap_snapshot_duration_seconds_count')).toBe(0);
    expect(total(leaderMetrics, 'leader_election_master_status', { name: 'vmsnap-operator' })).toBe(1);
    expect(total(standbyMetrics, 'leader_election_master_status', { name: 'vmsnap-operator' })).toBe(0);
    expect(total(leaderMetrics, 'vmsnap_operations_in_flight', { hypervisor: 'kvm-le' })).toBe(0);
    // Level-based: the VM controller sees the released hold at its next reconcile of the VM.
    await eventually(
      async () => total(await scrape(urls.get(leader)!), 'vmsnap_oldest_hold_age_seconds') === 0,
      'the hold age gauge back at 0',
      30_000,
    );

    await leader.kill();
    const killedAt = Date.now();
    const standbyName = standby === a ? 'op-a_' : 'op-b_';
    // The standby's expiry clock started when it last saw a renewal (at most a jittered retry period before the
    // kill), so it takes over after about one lease duration. The bound leaves room for a loaded machine but
    // would catch a standby that never takes over or waits several leases.
    await eventually(
      async () => (await holder()).startsWith(standbyName),
      'the standby to take the lease',
      LEASE_MS + 10 * RETRY_MS + 4000,
    );
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(LEASE_MS - 2.2 * RETRY_MS);

    const second = await takeSnapshot('snap-2');
    const snapshots = (await virsh(['snapshot-list', '--domain', domain.name, '--name']))
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    expect(snapshots.sort()).toEqual([first, second].sort());
    const newLeaderMetrics = await scrape(urls.get(standby)!);
    expect(total(newLeaderMetrics, 'vmsnap_snapshot_duration_seconds_count')).toBe(1);
    expect(total(newLeaderMetrics, 'leader_election_master_status', { name: 'vmsnap-operator' })).toBe(1);
    for (const controller of CONTROLLERS) {
      expect(total(newLeaderMetrics, 'controller_runtime_reconcile_total', { controller })).toBeGreaterThan(
        0,
      );
    }

    standby.child.kill('SIGTERM');
    expect(await standby.exit).toEqual({ code: 0, signal: null });
    // A clean shutdown releases the lease at once rather than letting it expire.
    expect(await holder()).toBe('');
  }, 240_000);
});
