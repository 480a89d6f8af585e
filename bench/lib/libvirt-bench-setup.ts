// What the operator-vs-virsh benches on real libvirt share: waiting for the operator process to serve the CRDs,
// the one Hypervisor and VirtualMachine they bench against, and the markdown of the recorded virsh calls.
import { availableParallelism, cpus } from 'node:os';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { TEST_URI } from '../../test/support/libvirt/test-domain.ts';
import { fmt } from './stats.ts';
import type { VirshCall } from './virsh-recorder.ts';

export const GROUP = 'vmsnap.io';
export const VERSION = 'v1alpha1';
export const NS = 'default';
export const VM = 'bench-vm';
const HYPERVISOR = 'bench-kvm';

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

/** The cluster-scoped Hypervisor `bench-kvm` on the test libvirt URI. */
export async function createBenchHypervisor(api: CustomObjectsApi): Promise<void> {
  await api.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'hypervisors',
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'Hypervisor',
      metadata: { name: HYPERVISOR },
      spec: { driver: 'libvirt', uri: TEST_URI },
    },
  });
}

/** The VirtualMachine `bench-vm` in `default`, for the libvirt domain `domainName` on `bench-kvm`. */
export async function createBenchVm(api: CustomObjectsApi, domainName: string): Promise<void> {
  await api.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: NS,
    plural: 'virtualmachines',
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'VirtualMachine',
      metadata: { name: VM },
      spec: { hypervisorName: HYPERVISOR, domain: domainName },
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
