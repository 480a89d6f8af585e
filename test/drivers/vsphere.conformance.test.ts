// The HypervisorDriver conformance suite against the vSphere driver and govmomi's vSphere simulator (vcsim).
// What neither vSphere nor vcsim can show is declared as missing features (below), so the suite drops exactly
// those parts: vSphere has no Paused phase, vcsim VMs have no disk content or raw disks, vcsim quiesces without
// VMware Tools, and vSphere finishes tasks server-side (no image/record split, no interrupted save). Those
// behaviours are covered by vsphere-driver.test.ts (vcsim) and vsphere-recorded.test.ts (recorded responses).

import { describe, it } from 'vitest';
import { VsphereDriver } from '../../src/drivers/vsphere/index.ts';
import { requireVcsim, startVcsim, vcsimBinary } from '../support/vsphere/vcsim.ts';
import { createSnapshotByHand, vcsimVmNames, vmByName } from '../support/vsphere/vim-lab.ts';
import { type ConformanceEnv, driverConformance } from './conformance.ts';

const MACHINES = 16;

if (!(await requireVcsim('vSphere conformance'))) {
  describe.skip('HypervisorDriver conformance: vsphere (vcsim unavailable)', () => {
    it('needs go and govmomi sources', () => {});
  });
} else {
  // Built during collection, outside any hook's time limit (a cold build takes 20-60 s on two busy cores).
  await vcsimBinary();
  driverConformance(
    'vsphere (vcsim)',
    async (): Promise<ConformanceEnv> => {
      const sim = await startVcsim({ machines: MACHINES });
      const driver = new VsphereDriver({
        url: sim.url,
        username: sim.username,
        password: sim.password,
        ca: sim.caPem,
        taskPollMs: 5,
      });
      const free = vcsimVmNames(MACHINES);
      return {
        driver,
        async newDomain({ phase, diskFormat }) {
          if (phase === 'Paused') throw new Error('vSphere has no Paused phase');
          if (diskFormat === 'raw') throw new Error('vSphere VMs have no raw-disk variant');
          const name = free.shift();
          if (!name) throw new Error(`all ${MACHINES * 2} vcsim VMs are in use`);
          const info =
            phase === 'Running' ? await driver.start(name) : await driver.stop(name, { force: true });
          return { name, uuid: info.uuid };
        },
        async foreignSnapshot(domain, name, description) {
          await createSnapshotByHand(driver.client, await vmByName(driver.client, domain), name, description);
        },
        async interruptSnapshot() {
          throw new Error('not available on vSphere');
        },
        pausedReasonAfterInterrupt: 'User',
        async removeFromImage() {
          throw new Error('not available on vSphere');
        },
        async writeDiskPattern() {
          throw new Error('vcsim VMs have no disk content');
        },
        async diskHasPattern() {
          throw new Error('vcsim VMs have no disk content');
        },
        async dispose() {
          await driver.close();
          await sim.stop();
        },
      };
    },
    {
      pause: false,
      diskPatterns: false,
      rawDisks: false,
      quiesceEnforced: false,
      imageInconsistency: false,
      interruptedSnapshot: false,
    },
  );
}
