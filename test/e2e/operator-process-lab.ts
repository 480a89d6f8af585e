// What the end-to-end tests that kill or stop the real operator process mid-snapshot share (crash-libvirt,
// sigterm-libvirt): a control plane with one libvirt Hypervisor, running VMs backed by test domains, the operator
// processes and scratch directories they start, and one stop() that cleans all of it up, strays first.
import { type ApiObject, VIRTUAL_MACHINES, VM_SNAPSHOTS } from '../../src/controllers/shared/resources.ts';
import type { KubeClient } from '../../src/runtime/kube-client.ts';
import type { TestControlPlane } from '../support/control-plane.ts';
import { createTestDomain, type TestDomain, virsh } from '../support/libvirt/test-domain.ts';
import { makeTempDir, removeTempDir } from '../support/temp-dir.ts';
import {
  killQuietly,
  type OperatorProcess,
  type OperatorProcessOptions,
  startOperatorProcess,
} from './leader-operator-process.ts';
import { startLibvirtControlPlane } from './libvirt-control-plane.ts';

export const statusOf = (obj: ApiObject) => (obj.status ?? {}) as Record<string, unknown>;

export class OperatorProcessLab {
  readonly controlPlane: TestControlPlane;
  readonly client: KubeClient;
  readonly namespace: string;
  readonly #hypervisorName: string;
  readonly #domains: TestDomain[] = [];
  readonly #operators: OperatorProcess[] = [];
  readonly #strays: number[] = [];
  readonly #scratch: string[] = [];

  private constructor(
    controlPlane: TestControlPlane,
    client: KubeClient,
    hypervisorName: string,
    namespace: string,
  ) {
    this.controlPlane = controlPlane;
    this.client = client;
    this.#hypervisorName = hypervisorName;
    this.namespace = namespace;
  }

  static async start(options: {
    fieldManager: string;
    hypervisorName: string;
    namespace?: string;
  }): Promise<OperatorProcessLab> {
    const { controlPlane, client } = await startLibvirtControlPlane(options);
    return new OperatorProcessLab(
      controlPlane,
      client,
      options.hypervisorName,
      options.namespace ?? 'default',
    );
  }

  /** A running test domain and a VirtualMachine `name` bound to it on the lab's Hypervisor. */
  async runningVm(name: string, label: string): Promise<TestDomain> {
    const domain = await createTestDomain({ label, start: true });
    this.#domains.push(domain);
    await this.client.create(VIRTUAL_MACHINES, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VirtualMachine',
      metadata: { name, namespace: this.namespace },
      spec: { hypervisorName: this.#hypervisorName, domain: domain.name },
    });
    return domain;
  }

  /** Starts `vmsnap operator` against the lab's control plane; stop() kills it if the test did not. */
  startOperator(options: OperatorProcessOptions = {}): OperatorProcess {
    const operator = startOperatorProcess(this.controlPlane.kubeconfigPath, options);
    this.#operators.push(operator);
    return operator;
  }

  /** Every operator process started so far, for dumping their logs when a test fails. */
  get operators(): readonly OperatorProcess[] {
    return this.#operators;
  }

  /** A temporary directory removed by stop(). */
  async scratchDir(label: string): Promise<string> {
    const dir = await makeTempDir(label);
    this.#scratch.push(dir);
    return dir;
  }

  /** A process the test leaves running on purpose for a while (a hung virsh stand-in): stop() kills it. */
  adoptStray(pid: number): void {
    if (!this.#strays.includes(pid)) this.#strays.push(pid);
  }

  /** Kills such a process now (and stop() again, to be sure). */
  killStray(pid: number): void {
    this.adoptStray(pid);
    killQuietly(pid);
  }

  getVm(name: string): Promise<ApiObject> {
    return this.client.get<ApiObject>(VIRTUAL_MACHINES, { namespace: this.namespace, name });
  }

  getSnapshot(name: string): Promise<ApiObject> {
    return this.client.get<ApiObject>(VM_SNAPSHOTS, { namespace: this.namespace, name });
  }

  /** A memory VMSnapshot of `vmName`. */
  async createMemorySnapshot(name: string, vmName: string): Promise<void> {
    await this.client.create(VM_SNAPSHOTS, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VMSnapshot',
      metadata: { name, namespace: this.namespace },
      spec: { vmName, memory: true },
    });
  }

  async stop(): Promise<void> {
    for (const pid of this.#strays) killQuietly(pid);
    for (const operator of this.#operators) await operator.kill();
    await this.controlPlane.stop();
    await Promise.all(this.#domains.map((d) => d.remove()));
    await Promise.all(this.#scratch.map((dir) => removeTempDir(dir)));
  }
}

/** The names of a domain's libvirt snapshots. */
export async function snapshotNames(domain: string): Promise<string[]> {
  return (await virsh(['snapshot-list', '--domain', domain, '--name']))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}
