import type { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { ApiObject } from '../../../src/controllers/shared/resources.ts';
import { HYPERVISORS, VIRTUAL_MACHINES, VM_SNAPSHOTS } from '../../../src/controllers/shared/resources.ts';
import { createDriverFactory } from '../../../src/drivers/factory.ts';
import { SimHypervisor, type SimHypervisorOptions } from '../../../src/drivers/sim/index.ts';
import { installCrds } from '../../../src/operator/install-crds.ts';
import {
  type OperatorOptions,
  type RunningOperator,
  startOperator,
} from '../../../src/operator/start-operator.ts';
import { KubeClient } from '../../../src/runtime/kube-client.ts';
import { eventually, kubeConfigFor } from '../../support/client-node.ts';
import { startTestControlPlane, type TestControlPlane } from '../../support/control-plane.ts';

export const NAMESPACE = 'default';

/**
 * The embedded control plane with vmsnap's CRDs, simulated hypervisors reachable as `sim://NAME`, and the operator
 * started against them (restartable, to model a crashed operator).
 */
export class OperatorEnv {
  readonly controlPlane: TestControlPlane;
  readonly kubeConfig: KubeConfig;
  readonly client: KubeClient;
  readonly sims = new Map<string, SimHypervisor>();
  operator: RunningOperator | undefined;

  private constructor(controlPlane: TestControlPlane) {
    this.controlPlane = controlPlane;
    this.kubeConfig = kubeConfigFor(controlPlane);
    this.client = new KubeClient(this.kubeConfig, { fieldManager: 'test' });
  }

  static async start(): Promise<OperatorEnv> {
    const env = new OperatorEnv(await startTestControlPlane());
    await installCrds(env.client);
    return env;
  }

  /** A simulated host named `name`; a Hypervisor with uri `sim://name` reaches it. */
  sim(name: string, options: SimHypervisorOptions = {}): SimHypervisor {
    let sim = this.sims.get(name);
    if (!sim) {
      sim = new SimHypervisor({ name, ...options });
      this.sims.set(name, sim);
    }
    return sim;
  }

  async startOperator(options: Partial<OperatorOptions> = {}): Promise<RunningOperator> {
    this.operator = await startOperator({
      kubeConfig: this.kubeConfig,
      logger: pino({ level: process.env.VMSNAP_TEST_LOG ?? 'silent' }, pino.destination(2)),
      driverFactory: createDriverFactory({ simHosts: this.sims }),
      workers: 4,
      ...options,
    });
    return this.operator;
  }

  async stopOperator(): Promise<void> {
    await this.operator?.stop();
    this.operator = undefined;
  }

  async stop(): Promise<void> {
    await this.stopOperator();
    await this.controlPlane.stop();
  }

  createHypervisor(name: string, spec: Record<string, unknown> = {}): Promise<ApiObject> {
    return this.client.create(HYPERVISORS, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'Hypervisor',
      metadata: { name },
      spec: { driver: 'sim', uri: `sim://${name}`, ...spec },
    } as ApiObject);
  }

  createVm(
    name: string,
    spec: { hypervisorName: string; domain: string; powerState?: string; maxSnapshots?: number },
  ): Promise<ApiObject> {
    return this.client.create(VIRTUAL_MACHINES, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VirtualMachine',
      metadata: { name, namespace: NAMESPACE },
      spec,
    } as ApiObject);
  }

  createSnapshot(name: string, spec: Record<string, unknown>): Promise<ApiObject> {
    return this.client.create(VM_SNAPSHOTS, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VMSnapshot',
      metadata: { name, namespace: NAMESPACE },
      spec,
    } as ApiObject);
  }

  getVm(name: string): Promise<ApiObject | undefined> {
    return this.client.find(VIRTUAL_MACHINES, { namespace: NAMESPACE, name });
  }

  getSnapshot(name: string): Promise<ApiObject | undefined> {
    return this.client.find(VM_SNAPSHOTS, { namespace: NAMESPACE, name });
  }

  /** Polls VMSnapshot `name` (up to 10 s) until its status shows `phase`; the object as read then. */
  snapshotInPhase(name: string, phase: string): Promise<ApiObject> {
    return eventually(async () => {
      const obj = await this.getSnapshot(name);
      return statusOf(obj).phase === phase ? obj : undefined;
    }, `${name} ${phase}`);
  }
}

/** A status field of an object, or undefined. */
export function statusOf(obj: ApiObject | undefined): Record<string, unknown> {
  return (obj?.status ?? {}) as Record<string, unknown>;
}

export function conditionOf(
  obj: ApiObject | undefined,
  type: string,
): { status: string; reason: string; message: string } | undefined {
  const conditions = statusOf(obj).conditions as
    | Array<{ type: string; status: string; reason: string; message: string }>
    | undefined;
  return conditions?.find((c) => c.type === type);
}
