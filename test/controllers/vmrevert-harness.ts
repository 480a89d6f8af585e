// Runs the VMRevert controller next to the operator of an OperatorEnv, and reads what the tests assert on.
import type { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { DriverPool } from '../../src/controllers/shared/driver-pool.ts';
import { OperationSlots } from '../../src/controllers/shared/operation-slots.ts';
import {
  type ApiObject,
  HYPERVISORS,
  VIRTUAL_MACHINES,
  VM_REVERTS,
  VM_SNAPSHOTS,
} from '../../src/controllers/shared/resources.ts';
import { registerRevertController } from '../../src/controllers/vmrevert/register.ts';
import { DriverError } from '../../src/drivers/errors.ts';
import { createDriverFactory } from '../../src/drivers/factory.ts';
import type { DriverFactory, HypervisorDriver } from '../../src/drivers/port.ts';
import { CONTROLLER_NAMES } from '../../src/operator/start-operator.ts';
import type { Controller } from '../../src/runtime/controller.ts';
import { EventRecorder } from '../../src/runtime/events.ts';
import { Informer } from '../../src/runtime/informer.ts';
import type { KubeClient } from '../../src/runtime/kube-client.ts';
import type { KubeResource } from '../../src/runtime/kube-object.ts';
import { StatusWriter } from '../../src/runtime/status-writer.ts';
import { eventually } from '../support/client-node.ts';
import { NAMESPACE, type OperatorEnv, statusOf } from './support/operator-env.ts';

/**
 * The operator's controllers minus VMRevert: these tests run the revert controller themselves (below), so they
 * can crash it on its own; start the operator with these so that exactly one revert controller runs.
 */
export const OPERATOR_WITHOUT_REVERTS = CONTROLLER_NAMES.filter((name) => name !== 'vmrevert');

/** Driver methods a test can make "lose the answer": the call is done on the host, then the caller sees an error. */
type LosableCall = 'stop' | 'start' | 'revertTo';

/**
 * The revert controller of a test: its own informers, driver pool and slots over the env's simulated hosts, so
 * stopping it models the revert half of a crashed operator. loseNextAnswer arms the crash window between a
 * driver call that took effect and the status write recording it.
 */
export class RevertControllerUnderTest {
  readonly #stops: Array<() => Promise<void>>;

  private constructor(stops: Array<() => Promise<void>>) {
    this.#stops = stops;
  }

  /** Over the env's simulated hosts. */
  static start(env: OperatorEnv): Promise<RevertControllerUnderTest> {
    return RevertControllerUnderTest.startWith(env, createDriverFactory({ simHosts: env.sims }));
  }

  /** Over any driver factory (the e2e tests pass the real one). */
  static async startWith(
    api: { kubeConfig: KubeConfig; client: KubeClient },
    factory: DriverFactory,
  ): Promise<RevertControllerUnderTest> {
    const logger = pino({ level: process.env.VMSNAP_TEST_LOG ?? 'silent' }, pino.destination(2));
    const { client, kubeConfig } = api;
    const informer = (resource: KubeResource) =>
      new Informer<ApiObject>({ kubeConfig, client, resource, logger });
    const [hypervisors, virtualMachines, snapshots, reverts] = [
      HYPERVISORS,
      VIRTUAL_MACHINES,
      VM_SNAPSHOTS,
      VM_REVERTS,
    ].map(informer) as [Informer<ApiObject>, Informer<ApiObject>, Informer<ApiObject>, Informer<ApiObject>];
    const informers = [hypervisors, virtualMachines, snapshots, reverts];
    const pool = new DriverPool({
      factory: losingFactory(factory),
      readSecret: async () => undefined,
    });
    const controller: Controller<ApiObject> = registerRevertController({
      deps: {
        client,
        statusWriter: new StatusWriter(client),
        pool,
        events: new EventRecorder({ client, logger, reportingInstance: 'revert-test' }),
        hypervisors,
        virtualMachines,
        snapshots,
        now: () => new Date(),
      },
      slots: new OperationSlots(),
      reverts,
      virtualMachines,
      snapshots,
      hypervisors,
      logger,
      workers: 2,
    });
    for (const i of informers) i.start();
    await controller.start();
    return new RevertControllerUnderTest([
      () => controller.stop(),
      async () => {
        await Promise.all(informers.map((i) => i.stop()));
      },
      () => pool.close(),
    ]);
  }

  async stop(): Promise<void> {
    for (const stop of this.#stops.splice(0)) await stop();
  }
}

const lostAnswers = new Map<LosableCall, number>();

/** The next `call` of any revert controller's driver takes effect on the host, then fails as a lost connection. */
export function loseNextAnswer(call: LosableCall): void {
  lostAnswers.set(call, (lostAnswers.get(call) ?? 0) + 1);
}

/** Wraps each driver so that an armed LosableCall runs on the host and then fails as if the connection dropped. */
function losingFactory(inner: DriverFactory): DriverFactory {
  return (connection) => {
    const driver = inner(connection);
    const lose = async <T>(call: LosableCall, run: () => Promise<T>): Promise<T> => {
      const result = await run();
      const left = lostAnswers.get(call) ?? 0;
      if (left > 0) {
        lostAnswers.set(call, left - 1);
        throw new DriverError(
          'HypervisorUnreachable',
          `test: the answer to ${call} was lost after it took effect`,
        );
      }
      return result;
    };
    const wrapped: HypervisorDriver = {
      probe: () => driver.probe(),
      getDomain: (d) => driver.getDomain(d),
      listSnapshots: (d) => driver.listSnapshots(d),
      getSnapshot: (d, n) => driver.getSnapshot(d, n),
      createSnapshot: (d, r) => driver.createSnapshot(d, r),
      deleteSnapshot: (d, n, o) => driver.deleteSnapshot(d, n, o),
      revertTo: (d, n, o) => lose('revertTo', () => driver.revertTo(d, n, o)),
      start: (d) => lose('start', () => driver.start(d)),
      stop: (d, o) => lose('stop', () => driver.stop(d, o)),
      pause: (d) => driver.pause(d),
      resume: (d) => driver.resume(d),
      recover: (d) => driver.recover(d),
      close: () => driver.close(),
    };
    return wrapped;
  };
}

/**
 * How long a test waits for the controllers to get somewhere. Generous: two cores shared with other suites make
 * a step take seconds at times; nothing asserts how long it took.
 */
export const SETTLE_MS = 45_000;

/** eventually() with SETTLE_MS. */
export function waitFor<T>(read: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  return eventually(read, what, SETTLE_MS);
}

export function createRevert(
  env: OperatorEnv,
  name: string,
  spec: Record<string, unknown>,
): Promise<ApiObject> {
  return env.client.create(VM_REVERTS, {
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'VMRevert',
    metadata: { name, namespace: NAMESPACE },
    spec,
  } as ApiObject);
}

export function getRevert(env: OperatorEnv, name: string): Promise<ApiObject | undefined> {
  return env.client.find(VM_REVERTS, { namespace: NAMESPACE, name });
}

/** Waits until the revert is Succeeded or Failed and returns it. */
export function revertFinished(env: OperatorEnv, name: string, timeoutMs = SETTLE_MS): Promise<ApiObject> {
  return eventually(
    async () => {
      const obj = await getRevert(env, name);
      const phase = statusOf(obj).phase;
      return phase === 'Succeeded' || phase === 'Failed' ? obj : undefined;
    },
    `VMRevert ${name} to finish`,
    timeoutMs,
  );
}

/** Takes a VMSnapshot through the operator and waits until it is Ready. */
export async function readySnapshot(
  env: OperatorEnv,
  name: string,
  spec: Record<string, unknown>,
): Promise<ApiObject> {
  await env.createSnapshot(name, spec);
  return eventually(
    async () => {
      const obj = await env.getSnapshot(name);
      return statusOf(obj).phase === 'Ready' ? obj : undefined;
    },
    `VMSnapshot ${name} Ready`,
    SETTLE_MS,
  );
}

/** The VM once it is released by every holder and its observed phase is `phase`. */
export function vmSettled(env: OperatorEnv, name: string, phase: string): Promise<ApiObject> {
  return eventually(
    async () => {
      const obj = await env.getVm(name);
      const status = statusOf(obj);
      return status.hold === undefined && status.phase === phase ? obj : undefined;
    },
    `VirtualMachine ${name} released and ${phase}`,
    SETTLE_MS,
  );
}

/** Reasons of the events about an object, in no particular order. */
export async function eventReasons(env: OperatorEnv, obj: ApiObject): Promise<string[]> {
  const list = await env.client.listEvents(NAMESPACE);
  return list.items.filter((e) => e.regarding?.uid === obj.metadata.uid).map((e) => e.reason ?? '');
}
