// `vmsnap demo`: runs inside `vmsnap local` as one more addon, after the operator's, so the control plane, the
// CRDs, the Hypervisor `local` and the controllers are all up when it starts.

import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ControlPlane } from '../apiserver/server.ts';
import type { LocalAddon, RunningAddon } from '../cli/addons.ts';
import {
  type ApiObject,
  HYPERVISORS,
  VIRTUAL_MACHINES,
  VM_SNAPSHOTS,
} from '../controllers/shared/resources.ts';
import { KubeClient } from '../runtime/kube-client.ts';
import { isAlreadyExists } from '../runtime/kube-error.ts';
import type { KubeResource } from '../runtime/kube-object.ts';
import { type DemoDomainOptions, ensureDemoDomain, removeDemoDomain } from './demo-domain.ts';
import { DEMO_NAMESPACE, loadDemoManifests } from './demo-manifests.ts';
import { vmSnapshotTable } from './snapshot-table.ts';

export interface DemoOptions extends DemoDomainOptions {
  /** How long to wait for the VMSnapshot to become Ready, or with --cleanup to be deleted (default 3 minutes). */
  waitTimeoutMs?: number;
  print(line: string): void;
}

const NOTHING_TO_STOP: RunningAddon = { async stop() {} };

/**
 * Defines and starts the demo VM, applies the examples (Hypervisor, VirtualMachine, memory VMSnapshot), waits
 * until the snapshot is Ready and prints `kubectl get vmsnapshots` and what to try next. Idempotent: objects that
 * exist are left as they are (a re-run only shows the state again). Throws, failing the command, when the
 * snapshot fails or is not Ready in time, with the snapshot's own condition message.
 */
export function demoAddon(options: DemoOptions): LocalAddon {
  return {
    name: 'demo',
    async start(controlPlane: ControlPlane, logger: Logger): Promise<RunningAddon> {
      const { print } = options;
      const client = clientFor(controlPlane);
      const domain = await ensureDemoDomain(options);
      print(`demo VM ${options.name}: ${domain === 'running' ? 'already running' : domain}`);
      const manifests = await loadDemoManifests(options.name);
      for (const [resource, obj] of [
        [HYPERVISORS, manifests.hypervisor],
        [VIRTUAL_MACHINES, manifests.virtualMachine],
        [VM_SNAPSHOTS, manifests.snapshot],
      ] as const) {
        const created = await createUnlessExists(client, resource, obj);
        // `vmsnap local` creates the Hypervisor itself, so on a first run it already exists: say why.
        const existing = resource === HYPERVISORS ? 'exists (vmsnap local keeps it)' : 'exists, left as is';
        print(`${obj.kind} ${obj.metadata.name}: ${created ? 'created' : existing}`);
      }
      const name = manifests.snapshot.metadata.name ?? '';
      print(`waiting for VMSnapshot ${name} to become Ready ...`);
      const ready = await waitForSnapshot(client, name, options.waitTimeoutMs ?? 180_000);
      logger.info({ snapshot: name, snapshotName: ready.status?.snapshotName }, 'demo snapshot ready');
      print('');
      print('$ kubectl get vmsnapshots');
      print(await vmSnapshotTable(controlPlane, DEMO_NAMESPACE));
      print('');
      print(nextSteps(controlPlane.kubeconfigPath, options.name, String(ready.status?.snapshotName ?? '')));
      return NOTHING_TO_STOP;
    },
  };
}

/**
 * `vmsnap demo --cleanup`: deletes the demo's VMSnapshot (its deletionPolicy Delete removes the libvirt
 * snapshot through the operator) and VirtualMachine, waits until they are gone, then removes the demo VM and its
 * disk. The Hypervisor `local` stays: `vmsnap local` creates it anyway. `done` resolves when it finished.
 */
export function demoCleanupAddon(options: DemoOptions & { done(): void }): LocalAddon {
  return {
    name: 'demo-cleanup',
    async start(controlPlane: ControlPlane): Promise<RunningAddon> {
      const client = clientFor(controlPlane);
      const manifests = await loadDemoManifests(options.name);
      for (const [resource, obj] of [
        [VM_SNAPSHOTS, manifests.snapshot],
        [VIRTUAL_MACHINES, manifests.virtualMachine],
      ] as const) {
        const ref = { namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' };
        if (!(await client.find(resource, ref))) continue;
        await client.delete(resource, ref);
        await waitUntilGone(
          client,
          resource,
          ref,
          `${obj.kind} ${ref.name}`,
          options.waitTimeoutMs ?? 180_000,
        );
        options.print(`${obj.kind} ${ref.name}: deleted`);
      }
      const removed = await removeDemoDomain(options);
      options.print(`demo VM ${options.name}: ${removed ? 'removed with its disk' : 'not present'}`);
      options.done();
      return NOTHING_TO_STOP;
    },
  };
}

function clientFor(controlPlane: ControlPlane): KubeClient {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(controlPlane.kubeconfigPath);
  return new KubeClient(kubeConfig, { fieldManager: 'vmsnap-demo' });
}

async function createUnlessExists(client: KubeClient, resource: KubeResource, obj: ApiObject) {
  try {
    await client.create(resource, obj);
    return true;
  } catch (error) {
    if (isAlreadyExists(error)) return false;
    throw error;
  }
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

async function waitForSnapshot(client: KubeClient, name: string, timeoutMs: number): Promise<ApiObject> {
  const ref = { namespace: DEMO_NAMESPACE, name };
  const deadline = Date.now() + timeoutMs;
  let last: ApiObject | undefined;
  while (Date.now() < deadline) {
    last = await client.get<ApiObject>(VM_SNAPSHOTS, ref);
    const phase = last.status?.phase;
    if (phase === 'Ready') return last;
    if (phase === 'Failed') {
      throw new Error(
        `VMSnapshot ${name} failed: ${explain(last)}. Delete it (vmsnap demo --cleanup) and run the demo again`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `VMSnapshot ${name} was not Ready after ${timeoutMs / 1000} s (phase ${String(last?.status?.phase ?? 'none')}: ${last ? explain(last) : 'no status'})`,
  );
}

function explain(snapshot: ApiObject): string {
  const conditions = (snapshot.status?.conditions ?? []) as Condition[];
  const notReady = conditions.find((c) => c.type === 'Ready' && c.status !== 'True');
  return notReady ? `${notReady.reason ?? ''}: ${notReady.message ?? ''}` : 'no Ready condition yet';
}

async function waitUntilGone(
  client: KubeClient,
  resource: KubeResource,
  ref: { namespace?: string; name: string },
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await client.find(resource, ref)) {
    if (Date.now() > deadline) throw new Error(`${what} was not deleted within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function nextSteps(kubeconfigPath: string, domain: string, snapshotName: string): string {
  return [
    'Your first VM snapshot is Ready. In another terminal:',
    `  export KUBECONFIG=${kubeconfigPath}`,
    '  kubectl get hypervisors,virtualmachines,vmsnapshots',
    `  virsh -c qemu:///system snapshot-list ${domain}        # ${snapshotName} is the libvirt side`,
    '  kubectl apply -f examples/vmsnapshot-disk-only.yaml    # a second, disk-only snapshot',
    '  kubectl apply -f examples/vmrevert.yaml                # revert the VM to before-upgrade',
    'Remove everything the demo made: vmsnap demo --cleanup (after stopping this one with Ctrl-C).',
    'The control plane keeps serving until Ctrl-C.',
  ].join('\n');
}
