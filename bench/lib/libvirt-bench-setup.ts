// What the operator-vs-virsh benches on real libvirt share: waiting for the operator process to serve the CRDs,
// the one Hypervisor and VirtualMachine they bench against, the watches they time with, and the markdown of the
// recorded virsh calls. The vSphere bench uses all but the libvirt defaults and the virsh calls.
import { availableParallelism, cpus } from 'node:os';
import type { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { TEST_URI } from '../../test/support/libvirt/test-domain.ts';
import { fmt } from './stats.ts';
import type { VirshCall } from './virsh-recorder.ts';
import { EventStream, type ObservedEvent } from './watch-events.ts';

export const GROUP = 'vmsnap.io';
export const VERSION = 'v1alpha1';
export const NS = 'default';
export const VM = 'bench-vm';
const HYPERVISOR = 'bench-kvm';

/** The client-node request fields that name collection `plural` in the bench namespace. */
export const namespaced = (plural: string) => ({ group: GROUP, version: VERSION, namespace: NS, plural });

/** A watch on collection `plural` in the bench namespace, open until closed. */
export function watchNamespaced(kubeConfig: KubeConfig, plural: string): Promise<EventStream> {
  return EventStream.open(kubeConfig, `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${plural}`);
}

/** The name of the object holding the VirtualMachine in `e` (its status.hold), if any. */
export const holderOf = (e: ObservedEvent) =>
  (e.object.status?.hold as { holder?: { name?: string } } | undefined)?.holder?.name;

/** Retries `call` every 100 ms for up to 60 s (the operator process is still installing the CRDs). */
export async function untilServed(call: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await call();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The cluster-scoped Hypervisor `name` (default `bench-kvm`, on the test libvirt URI). */
export async function createBenchHypervisor(
  api: CustomObjectsApi,
  name = HYPERVISOR,
  spec: Record<string, unknown> = { driver: 'libvirt', uri: TEST_URI },
): Promise<void> {
  await api.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'hypervisors',
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'Hypervisor', metadata: { name }, spec },
  });
}

/** The VirtualMachine `bench-vm` in `default`, for domain `domainName` on Hypervisor `hypervisorName`. */
export async function createBenchVm(
  api: CustomObjectsApi,
  domainName: string,
  hypervisorName = HYPERVISOR,
): Promise<void> {
  await api.createNamespacedCustomObject({
    ...namespaced('virtualmachines'),
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'VirtualMachine',
      metadata: { name: VM },
      spec: { hypervisorName, domain: domainName },
    },
  });
}

/** The markdown line naming the machine, the Node version and the load while the rounds ran. */
export function machineLine(load: number[], rounds: string): string {
  return (
    `Machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, ` +
    `load average during the rounds ${fmt(Math.min(...load), 1)}-${fmt(Math.max(...load), 1)}, ${rounds}\n`
  );
}

/** Prints the markdown table rows of recorded virsh calls, in ms after `wallStart` (header included). */
export function printVirshCalls(calls: VirshCall[], wallStart: number): void {
  console.log('| starts | takes | virsh call |');
  console.log('|---|---|---|');
  for (const call of calls) {
    const args = call.args.filter((a, i, all) => a !== '-q' && all[i - 1] !== '-c' && a !== '-c');
    const shown = args
      .map((a) => a.replaceAll('\n', ' '))
      .map((a) => (a.length > 40 ? `${a.slice(0, 37)}...` : a))
      .join(' ')
      .replaceAll('|', '\\|');
    const via = call.session ? ' (read session)' : '';
    console.log(`| ${call.start - wallStart} | ${call.end - call.start} | ${shown}${via} |`);
  }
}

/** When a timed create was sent (performance.now() and wall clock) and when its response came back. */
export interface TimedCreate {
  start: number;
  wallStart: number;
  created: number;
}

/** Creates `kind` `name` in the bench namespace, timing the call: what the operator benches measure from. */
export async function timedCreate(
  api: CustomObjectsApi,
  plural: string,
  kind: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<TimedCreate> {
  const wallStart = Date.now();
  const start = performance.now();
  await api.createNamespacedCustomObject({
    ...namespaced(plural),
    body: { apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name }, spec },
  });
  return { start, wallStart, created: performance.now() };
}
