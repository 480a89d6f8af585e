// The conformance suite against real libvirtd + QEMU (TCG) with tiny disk-less-OS domains, one per test,
// removed afterwards. Skips loudly without libvirt locally; fails with CI=true.

import { describe, it } from 'vitest';
import { LibvirtDriver } from '../../src/drivers/libvirt/index.ts';
import { diskHasPattern, writeDiskPattern } from '../support/libvirt/disk-pattern.ts';
import {
  createTestDomain,
  libvirtAvailable,
  sweepStaleTestDomains,
  TEST_URI,
  type TestDomain,
  virsh,
} from '../support/libvirt/test-domain.ts';
import { type ConformanceEnv, driverConformance } from './conformance.ts';

const available = await libvirtAvailable();

if (!available) {
  describe.skip('HypervisorDriver conformance: libvirt (libvirt unavailable)', () => {
    it('needs libvirtd', () => {});
  });
} else {
  driverConformance('libvirt', async (): Promise<ConformanceEnv> => {
    await sweepStaleTestDomains();
    const domains = new Map<string, TestDomain>();
    const driver = new LibvirtDriver({ uri: TEST_URI });
    const hmp = (domain: string, command: string) =>
      virsh(['qemu-monitor-command', '--domain', domain, '--hmp', command]);
    return {
      driver,
      async newDomain({ phase, diskFormat }) {
        const d = await createTestDomain({
          label: phase.toLowerCase(),
          start: phase !== 'Stopped',
          ...(diskFormat ? { diskFormat } : {}),
        });
        domains.set(d.name, d);
        if (phase === 'Paused') await virsh(['suspend', '--domain', d.name]);
        return { name: d.name, uuid: d.uuid };
      },
      async foreignSnapshot(domain, name, description) {
        await virsh(['snapshot-create-as', '--domain', domain, '--name', name, '--description', description]);
      },
      async interruptSnapshot(domain, name) {
        // QEMU writes the snapshot into the image (HMP savevm) without libvirt recording it: the state a
        // libvirtd crash mid-create leaves. libvirtd cannot be killed here (it is shared), so the pause that
        // crash leaves (`paused (saving)`) is simulated by suspending by hand, which libvirt reports as user.
        const out = await hmp(domain, `savevm ${name}`);
        if (out.trim() !== '') throw new Error(`savevm: ${out}`);
        await virsh(['suspend', '--domain', domain]);
      },
      pausedReasonAfterInterrupt: 'User',
      async removeFromImage(domain, name) {
        const out = await hmp(domain, `delvm ${name}`);
        if (out.trim() !== '') throw new Error(`delvm: ${out}`);
      },
      writeDiskPattern: (domain, pattern) => writeDiskPattern(domain, pattern),
      async diskHasPattern(domain, pattern) {
        const d = domains.get(domain);
        if (!d) throw new Error(`unknown test domain ${domain}`);
        return diskHasPattern(d.diskPath, pattern);
      },
      async dispose() {
        await driver.close();
        // `virsh destroy` waits ~1.5 s for QEMU to exit; removing in parallel keeps teardown short.
        await Promise.all([...domains.values()].map((d) => d.remove()));
      },
    };
  });
}
