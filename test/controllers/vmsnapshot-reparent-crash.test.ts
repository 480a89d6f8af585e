import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectCache } from '../../src/controllers/shared/deps.ts';
import { DriverPool } from '../../src/controllers/shared/driver-pool.ts';
import { OperationSlots } from '../../src/controllers/shared/operation-slots.ts';
import {
  type ApiObject,
  HYPERVISORS,
  VIRTUAL_MACHINES,
  VM_SNAPSHOTS,
} from '../../src/controllers/shared/resources.ts';
import { vmSnapshotReconciler } from '../../src/controllers/vmsnapshot/reconciler.ts';
import { createDriverFactory } from '../../src/drivers/factory.ts';
import type { SimHypervisor } from '../../src/drivers/sim/index.ts';
import type { ReconcileContext, Reconciler } from '../../src/runtime/controller.ts';
import { EventRecorder } from '../../src/runtime/events.ts';
import type { KubeClient } from '../../src/runtime/kube-client.ts';
import type { KubeResource } from '../../src/runtime/kube-object.ts';
import { StatusWriter } from '../../src/runtime/status-writer.ts';
import { eventually } from '../support/client-node.ts';
import { NAMESPACE, OperatorEnv, statusOf } from './support/operator-env.ts';

const HOST = 'kvm-tree';
const logger = pino({ level: process.env.VMSNAP_TEST_LOG ?? 'silent' }, pino.destination(2));

/** The KubeClient calls that change stored state: a "crash" is the process dying right before one of them. */
const WRITES = new Set(['create', 'replace', 'replaceStatus', 'patch', 'patchStatus', 'delete']);

class Crash extends Error {
  override name = 'Crash';
}

/** The client, except that the `crashAt`-th state write (1-based) throws before it is sent. */
function crashingClient(client: KubeClient, crashAt: number): { client: KubeClient; writes: () => number } {
  let writes = 0;
  const proxy = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (WRITES.has(String(property))) {
          writes += 1;
          if (writes === crashAt) throw new Crash(`crashed before write ${crashAt} (${String(property)})`);
        }
        return value.apply(target, args);
      };
    },
  });
  return { client: proxy, writes: () => writes };
}

/** An informer-like cache refreshed from the API server before each reconcile (the test drives time). */
class ListedCache implements ObjectCache {
  #items: ApiObject[] = [];
  readonly #client: KubeClient;
  readonly #resource: KubeResource;
  constructor(client: KubeClient, resource: KubeResource) {
    this.#client = client;
    this.#resource = resource;
  }
  async refresh(): Promise<void> {
    this.#items = (await this.#client.list<ApiObject>(this.#resource, {})).items;
  }
  get(namespace: string | undefined, name: string): ApiObject | undefined {
    return this.#items.find((i) => i.metadata.name === name && i.metadata.namespace === namespace);
  }
  list(): readonly ApiObject[] {
    return this.#items;
  }
}

/** One "operator process": the VMSnapshot reconciler with its own memory, over `client`. */
function snapshotProcess(env: OperatorEnv, client: KubeClient) {
  const caches = [HYPERVISORS, VIRTUAL_MACHINES, VM_SNAPSHOTS].map((r) => new ListedCache(env.client, r)) as [
    ListedCache,
    ListedCache,
    ListedCache,
  ];
  const [hypervisors, virtualMachines, snapshots] = caches;
  const reconcile: Reconciler = vmSnapshotReconciler({
    client,
    statusWriter: new StatusWriter(client),
    pool: new DriverPool({
      factory: createDriverFactory({ simHosts: env.sims }),
      readSecret: async () => undefined,
    }),
    events: new EventRecorder({ client: env.client, logger, reportingInstance: 'reparent-test' }),
    hypervisors,
    virtualMachines,
    snapshots,
    now: () => new Date(),
    slots: new OperationSlots(),
  });
  const ctx: ReconcileContext = {
    log: logger,
    reconcileID: 'test',
    signal: new AbortController().signal,
    awaitExternal: (work) => work,
  };
  return {
    /** Reconciles `name` until it is gone (bounded); a Crash propagates. */
    async deleteToCompletion(name: string): Promise<void> {
      for (let i = 0; i < 20; i++) {
        if ((await env.getSnapshot(name)) === undefined) return;
        await Promise.all(caches.map((c) => c.refresh()));
        await reconcile(`${NAMESPACE}/${name}`, ctx);
      }
      throw new Error(`${name} was not deleted within 20 reconciles`);
    },
  };
}

describe('re-parenting a deleted middle VMSnapshot, with the operator crashing at every write', () => {
  let env: OperatorEnv;
  let sim: SimHypervisor;

  beforeAll(async () => {
    env = await OperatorEnv.start();
    sim = env.sim(HOST);
    await env.createHypervisor(HOST);
  });

  afterAll(async () => {
    await env?.stop();
  });

  /** A VM with the chain a <- b <- c taken by the real operator (c current), then the operator stopped. */
  async function chain(vm: string, spec: Record<string, unknown> = {}): Promise<void> {
    sim.defineDomain({ name: vm, phase: 'Running' });
    await env.createVm(vm, { hypervisorName: HOST, domain: vm });
    await env.startOperator();
    for (const link of ['a', 'b', 'c']) {
      await env.createSnapshot(`${vm}-${link}`, { vmName: vm, ...spec });
      await eventually(async () => {
        const current = statusOf(await env.getVm(vm));
        return current.currentSnapshot === `${vm}-${link}` && current.hold === undefined;
      }, `${vm}-${link} taken and current`);
    }
    await env.stopOperator();
  }

  /** b deleted (policy Delete): c names a in status and on the hypervisor; the VM is free and still at c. */
  async function expectReparented(vm: string): Promise<void> {
    const [a, c] = [await env.getSnapshot(`${vm}-a`), await env.getSnapshot(`${vm}-c`)];
    expect(await env.getSnapshot(`${vm}-b`)).toBeUndefined();
    expect(statusOf(a).parent).toBe('');
    expect(statusOf(c).parent).toBe(`${vm}-a`);
    const vmStatus = statusOf(await env.getVm(vm));
    expect(vmStatus.currentSnapshot).toBe(`${vm}-c`);
    expect(vmStatus.hold).toBeUndefined();
    const records = sim.domain(vm).records;
    expect(records.size).toBe(2);
    expect(records.get(String(statusOf(c).snapshotName))?.parent).toBe(String(statusOf(a).snapshotName));
  }

  it('re-attaches the child with no crash, counting the writes a deletion makes', async () => {
    await chain('clean');
    await env.client.delete(VM_SNAPSHOTS, { namespace: NAMESPACE, name: 'clean-b' });
    const counted = crashingClient(env.client, Number.POSITIVE_INFINITY);
    await snapshotProcess(env, counted.client).deleteToCompletion('clean-b');
    await expectReparented('clean');
    // Deleting status, take hold, re-point the child, release hold, remove finalizer.
    expect(counted.writes()).toBe(5);
  });

  for (const crashAt of [1, 2, 3, 4, 5]) {
    it(`converges after a crash before write ${crashAt}: child re-attached, hold released, b gone everywhere`, async () => {
      const vm = `crash-${crashAt}`;
      await chain(vm);
      const hvB = String(statusOf(await env.getSnapshot(`${vm}-b`)).snapshotName);
      await env.client.delete(VM_SNAPSHOTS, { namespace: NAMESPACE, name: `${vm}-b` });

      const crashing = crashingClient(env.client, crashAt);
      await expect(snapshotProcess(env, crashing.client).deleteToCompletion(`${vm}-b`)).rejects.toThrow(
        Crash,
      );
      // The finalizer is still on: the deletion cannot have finished before its last write.
      expect(await env.getSnapshot(`${vm}-b`)).toBeDefined();

      await snapshotProcess(env, env.client).deleteToCompletion(`${vm}-b`);
      await expectReparented(vm);
      expect(sim.domain(vm).records.has(hvB)).toBe(false);
    });
  }

  it('Retain: the hypervisor keeps b, the VMSnapshot tree still re-attaches c to a', async () => {
    await chain('kept', { deletionPolicy: 'Retain' });
    const hvB = String(statusOf(await env.getSnapshot('kept-b')).snapshotName);
    await env.client.delete(VM_SNAPSHOTS, { namespace: NAMESPACE, name: 'kept-b' });
    await snapshotProcess(env, env.client).deleteToCompletion('kept-b');
    const c = await env.getSnapshot('kept-c');
    expect(statusOf(c).parent).toBe('kept-a');
    expect(sim.domain('kept').records.has(hvB)).toBe(true);
    expect(sim.domain('kept').records.get(String(statusOf(c).snapshotName))?.parent).toBe(hvB);
  });

  it('deleting the current snapshot moves the VM currentSnapshot to its parent', async () => {
    await chain('tip');
    await env.client.delete(VM_SNAPSHOTS, { namespace: NAMESPACE, name: 'tip-c' });
    await snapshotProcess(env, env.client).deleteToCompletion('tip-c');
    expect(statusOf(await env.getVm('tip')).currentSnapshot).toBe('tip-b');
  });

  it('the VirtualMachine status tree shows the re-attached child and marks the retained snapshot', async () => {
    await env.startOperator();
    const entries = await eventually(async () => {
      const status = statusOf(await env.getVm('kept'));
      const list = status.snapshots as Array<Record<string, unknown>> | undefined;
      return list?.some((e) => e.retained === true) ? list : undefined;
    }, 'the VM of the Retain case to list its tree with the retained snapshot');
    const byVmSnapshot = new Map(entries.map((e) => [e.vmSnapshot, e]));
    expect(byVmSnapshot.get('kept-b')).toMatchObject({ retained: true });
    expect(byVmSnapshot.get('kept-c')).toMatchObject({
      current: true,
      parent: byVmSnapshot.get('kept-b')?.name,
    });

    const clean = await eventually(async () => {
      const status = statusOf(await env.getVm('clean'));
      return status.snapshotCount === 2 ? (status.snapshots as Array<Record<string, unknown>>) : undefined;
    }, 'the clean VM tree to show two snapshots');
    const a = clean.find((e) => e.vmSnapshot === 'clean-a');
    const c = clean.find((e) => e.vmSnapshot === 'clean-c');
    expect(a?.parent).toBeUndefined();
    expect(c).toMatchObject({ parent: a?.name, current: true });

    // Cheap: waking the VM (here by label changes) observes the domain each time but lists the tree no more.
    const count = (operation: string) =>
      sim.recorder.log.filter((r) => r.operation === operation && r.domain === 'clean').length;
    const [listsBefore, observesBefore] = [count('listSnapshots'), count('getDomain')];
    expect(listsBefore).toBeGreaterThan(0);
    for (const round of [1, 2, 3]) {
      await env.client.patch(
        VIRTUAL_MACHINES,
        { namespace: NAMESPACE, name: 'clean' },
        { type: 'merge', body: { metadata: { labels: { round: String(round) } } } },
      );
      await eventually(() => count('getDomain') >= observesBefore + round, `VM reconcile ${round}`);
    }
    expect(count('listSnapshots')).toBe(listsBefore);
    await env.stopOperator();
  });
});
