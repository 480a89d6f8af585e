// One behavioural contract for every HypervisorDriver (src/drivers/port.ts), run against the real libvirt
// driver (real libvirtd + QEMU TCG) and the sim test double. Anything a controller relies on belongs here, so
// a controller tested against the sim behaves the same against libvirt.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainPhase, HypervisorDriver, SnapshotOwner } from '../../src/drivers/port.ts';
import { DriverError } from '../../src/drivers/port.ts';

export type EnvPhase = 'Running' | 'Stopped' | 'Paused';

/** What the suite needs from the world behind a driver, beyond the driver itself. */
export interface ConformanceEnv {
  driver: HypervisorDriver;
  /** A new domain (no snapshots) in `phase`. */
  newDomain(options: {
    phase: EnvPhase;
    diskFormat?: 'qcow2' | 'raw';
  }): Promise<{ name: string; uuid: string }>;
  /** Takes a snapshot by hand, the way another tool would (`virsh snapshot-create-as`). */
  foreignSnapshot(domain: string, name: string, description: string): Promise<void>;
  /**
   * Leaves what a crash between the image write and the metadata write leaves: a tag `name` in the image with no
   * record, and the VM paused. `pausedReasonAfterInterrupt` says how that pause reads on this hypervisor.
   */
  interruptSnapshot(domain: string, name: string): Promise<void>;
  pausedReasonAfterInterrupt: 'Saving' | 'User';
  /** Removes a snapshot from the image only (the record stays): the inconsistent case. */
  removeFromImage(domain: string, name: string): Promise<void>;
  /** Writes a byte pattern to the (running) domain's disk; diskHasPattern reads it back. */
  writeDiskPattern(domain: string, pattern: number): Promise<void>;
  diskHasPattern(domain: string, pattern: number): Promise<boolean>;
  dispose(): Promise<void>;
}

/**
 * What a hypervisor (or its test stand-in) can show. All default to true (libvirt, sim); a driver that lacks
 * one still runs the rest of each test, and tests that need nothing else are skipped with the reason.
 */
export interface ConformanceFeatures {
  /** VMs can be Paused (vSphere: no). */
  pause: boolean;
  /** writeDiskPattern/diskHasPattern work (vcsim: VMs have no disk content). */
  diskPatterns: boolean;
  /** Domains with a raw disk can be made (newDomain diskFormat 'raw'). */
  rawDisks: boolean;
  /** quiesce without a guest agent fails (vcsim accepts it). */
  quiesceEnforced: boolean;
  /** A snapshot can be recorded but missing from the image (removeFromImage). */
  imageInconsistency: boolean;
  /** interruptSnapshot can leave the crash-window state. */
  interruptedSnapshot: boolean;
}

/**
 * Stands in for `it` when the driver lacks the feature a test needs: the test is not registered at all, so a run
 * reports no skip for something that was never meant to run on that hypervisor (skips mean "component missing").
 */
function skipUnsupported(_name: string, _fn: () => Promise<void>): void {}

const ALL_FEATURES: ConformanceFeatures = {
  pause: true,
  diskPatterns: true,
  rawDisks: true,
  quiesceEnforced: true,
  imageInconsistency: true,
  interruptedSnapshot: true,
};

const owner = (name: string): SnapshotOwner => ({ uid: `uid-${name}`, namespace: 'prod', name });

async function expectDriverError(promise: Promise<unknown>, reason: string): Promise<DriverError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a DriverError ${reason}`).toBeInstanceOf(DriverError);
  expect((err as DriverError).reason).toBe(reason);
  expect((err as DriverError).message.length).toBeGreaterThan(10);
  return err as DriverError;
}

export function driverConformance(
  name: string,
  makeEnv: () => Promise<ConformanceEnv>,
  supported: Partial<ConformanceFeatures> = {},
): void {
  const features: ConformanceFeatures = { ...ALL_FEATURES, ...supported };
  describe(`HypervisorDriver conformance: ${name}`, () => {
    let env: ConformanceEnv;
    let driver: HypervisorDriver;
    beforeAll(async () => {
      env = await makeEnv();
      driver = env.driver;
    });
    afterAll(async () => {
      await env?.dispose();
    });

    const phaseOf = async (domain: string): Promise<DomainPhase> => (await driver.getDomain(domain)).phase;
    const writePattern = async (domain: string, pattern: number) => {
      if (features.diskPatterns) await env.writeDiskPattern(domain, pattern);
    };
    const expectPattern = async (domain: string, pattern: number) => {
      if (features.diskPatterns) expect(await env.diskHasPattern(domain, pattern)).toBe(true);
    };
    const take = (domain: string, snap: string, memory: boolean, description = '') =>
      driver.createSnapshot(domain, { name: snap, owner: owner(snap), description, memory, quiesce: false });

    it('probes version and capabilities', async () => {
      const probe = await driver.probe();
      expect(probe.version).toMatch(/\d/);
      expect(probe.capabilities.memorySnapshots).toBe(true);
      expect(typeof probe.capabilities.quiesce).toBe('boolean');
      expect(typeof probe.capabilities.revertExternal).toBe('boolean');
    });

    it('reports domains by name and UUID in each phase; unknown domains are DomainNotFound', async () => {
      const phases = features.pause
        ? (['Running', 'Stopped', 'Paused'] as const)
        : (['Running', 'Stopped'] as const);
      for (const phase of phases) {
        const d = await env.newDomain({ phase });
        const byName = await driver.getDomain(d.name);
        expect(byName).toMatchObject({ name: d.name, uuid: d.uuid, phase });
        expect((await driver.getDomain(d.uuid)).name).toBe(d.name);
        if (phase === 'Paused') expect(byName.pausedReason).toBe('User');
        else expect(byName.pausedReason).toBeUndefined();
      }
      const err = await expectDriverError(driver.getDomain('vmsnap-no-such-domain'), 'DomainNotFound');
      expect(err.retryable).toBe(false);
    });

    it('takes a memory snapshot of a running VM and leaves it running', async () => {
      const d = await env.newDomain({ phase: 'Running' });
      const description = 'before "upgrade" <&>\nsecond line';
      const snap = await take(d.name, 'mem-run', true, description);
      expect(snap).toMatchObject({
        name: 'mem-run',
        description,
        memory: true,
        vmPhase: 'Running',
        current: true,
        location: 'internal',
        owner: owner('mem-run'),
      });
      expect(snap.parent).toBeUndefined();
      expect(snap.creationTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(await phaseOf(d.name)).toBe('Running');
      expect(await driver.getSnapshot(d.name, 'mem-run')).toEqual(snap);
    });

    it('takes a disk snapshot of a stopped VM and a memory snapshot of a paused VM, keeping their phases', async () => {
      const stopped = await env.newDomain({ phase: 'Stopped' });
      const disk = await take(stopped.name, 'disk-stopped', false);
      expect(disk).toMatchObject({ memory: false, vmPhase: 'Stopped', current: true });
      expect(await phaseOf(stopped.name)).toBe('Stopped');

      if (!features.pause) return;
      const paused = await env.newDomain({ phase: 'Paused' });
      const mem = await take(paused.name, 'mem-paused', true);
      expect(mem).toMatchObject({ memory: true, vmPhase: 'Paused' });
      expect(await driver.getDomain(paused.name)).toMatchObject({ phase: 'Paused', pausedReason: 'User' });
    });

    it('records a disk-only snapshot of a running VM as disk-only', async () => {
      const d = await env.newDomain({ phase: 'Running' });
      const snap = await take(d.name, 'diskonly-run', false);
      expect(snap).toMatchObject({ memory: false, vmPhase: 'Running', location: 'internal' });
      expect(await phaseOf(d.name)).toBe('Running');
    });

    it('re-creating with the same name and owner returns the existing snapshot; another owner conflicts', async () => {
      const d = await env.newDomain({ phase: 'Running' });
      const first = await take(d.name, 'again', true);
      const second = await take(d.name, 'again', true);
      expect(second).toEqual(first);
      expect((await driver.listSnapshots(d.name)).map((s) => s.name)).toEqual(['again']);
      const err = await expectDriverError(
        driver.createSnapshot(d.name, {
          name: 'again',
          owner: { uid: 'someone-else', namespace: 'x', name: 'y' },
          description: '',
          memory: true,
          quiesce: false,
        }),
        'SnapshotNameConflict',
      );
      expect(err.retryable).toBe(false);
    });

    it('lists foreign snapshots as foreign and leaves them alone', async () => {
      const d = await env.newDomain({ phase: 'Running' });
      const foreignDescription = '{"not": "ours"}\nmade by hand';
      await env.foreignSnapshot(d.name, 'by-hand', foreignDescription);
      await take(d.name, 'ours', true);
      const list = await driver.listSnapshots(d.name);
      const foreign = list.find((s) => s.name === 'by-hand');
      expect(foreign).toBeDefined();
      expect(foreign?.owner).toBeUndefined();
      expect(foreign?.description).toBe(foreignDescription);
      expect(list.find((s) => s.name === 'ours')?.parent).toBe('by-hand');

      await expectDriverError(
        driver.deleteSnapshot(d.name, 'by-hand', { ownerUid: 'uid-ours' }),
        'SnapshotNotOwned',
      );
      await expectDriverError(take(d.name, 'by-hand', true), 'SnapshotNameConflict');
      expect(await driver.deleteSnapshot(d.name, 'ours', { ownerUid: 'uid-ours' })).toBe(true);
      const after = await driver.listSnapshots(d.name);
      expect(after.map((s) => s.name)).toEqual(['by-hand']);
      expect(after[0]?.description).toBe(foreignDescription);
    });

    it('keeps the parent chain, re-attaches children on delete and moves current to the parent', async () => {
      const d = await env.newDomain({ phase: 'Running' });
      await take(d.name, 'a', true);
      await take(d.name, 'b', true);
      const c = await take(d.name, 'c', true);
      expect(c.parent).toBe('b');
      expect(await driver.deleteSnapshot(d.name, 'b')).toBe(true);
      const byName = new Map((await driver.listSnapshots(d.name)).map((s) => [s.name, s]));
      expect(byName.get('c')?.parent).toBe('a');
      expect(byName.get('c')?.current).toBe(true);
      expect(await driver.deleteSnapshot(d.name, 'c')).toBe(true);
      const rest = await driver.listSnapshots(d.name);
      expect(rest.map((s) => [s.name, s.current])).toEqual([['a', true]]);
    });

    it('deletes idempotently', async () => {
      const d = await env.newDomain({ phase: 'Stopped' });
      await take(d.name, 'gone', false);
      expect(await driver.deleteSnapshot(d.name, 'gone', { ownerUid: 'uid-gone' })).toBe(true);
      expect(await driver.deleteSnapshot(d.name, 'gone', { ownerUid: 'uid-gone' })).toBe(false);
      expect(await driver.deleteSnapshot(d.name, 'never-existed')).toBe(false);
      expect(await driver.listSnapshots(d.name)).toEqual([]);
    });

    it('refuses bad requests with typed errors and leaves nothing behind', async () => {
      const stopped = await env.newDomain({ phase: 'Stopped' });
      const mem = await expectDriverError(take(stopped.name, 'mem-off', true), 'MemoryRequiresRunningVM');
      expect(mem.retryable).toBe(false);
      expect(await driver.listSnapshots(stopped.name)).toEqual([]);
      expect(await phaseOf(stopped.name)).toBe('Stopped');

      const running = await env.newDomain({ phase: 'Running' });
      await expectDriverError(take(running.name, 'x/y', true), 'InvalidSnapshotName');
      if (!features.quiesceEnforced) return;
      const quiesce = await expectDriverError(
        driver.createSnapshot(running.name, {
          name: 'quiesced',
          owner: owner('quiesced'),
          description: '',
          memory: false,
          quiesce: true,
        }),
        'QuiesceUnavailable',
      );
      expect(quiesce.retryable).toBe(false);
      expect(await driver.listSnapshots(running.name)).toEqual([]);
      expect(await phaseOf(running.name)).toBe('Running');

      if (!features.rawDisks) return;
      const raw = await env.newDomain({ phase: 'Running', diskFormat: 'raw' });
      await expectDriverError(take(raw.name, 'raw', true), 'UnsupportedDiskFormat');
      expect(await driver.listSnapshots(raw.name)).toEqual([]);
      expect(await phaseOf(raw.name)).toBe('Running');
    });

    it('reverts a running VM to a memory snapshot: ends running with the snapshot disk', async () => {
      const d = await env.newDomain({ phase: 'Running' });
      await writePattern(d.name, 0xa1);
      await take(d.name, 'mem', true);
      await writePattern(d.name, 0xb2);
      const after = await driver.revertTo(d.name, 'mem', { finalState: 'Running' });
      expect(after.phase).toBe('Running');
      await expectPattern(d.name, 0xa1);
      expect((await driver.getSnapshot(d.name, 'mem'))?.current).toBe(true);
    });

    it('reverts a stopped VM to a disk-only snapshot: stays stopped', async () => {
      const d = await env.newDomain({ phase: 'Running' });
      await writePattern(d.name, 0x11);
      await driver.stop(d.name, { force: true });
      await take(d.name, 'disk', false);
      await driver.start(d.name);
      await writePattern(d.name, 0x22);
      await driver.stop(d.name, { force: true });
      const after = await driver.revertTo(d.name, 'disk', { finalState: 'Stopped' });
      expect(after.phase).toBe('Stopped');
      await expectPattern(d.name, 0x11);
    });

    it('reverts a running VM to a disk-only snapshot with finalState Stopped (and Running when asked)', async () => {
      const d = await env.newDomain({ phase: 'Stopped' });
      await take(d.name, 'offline', false);
      await driver.start(d.name);
      expect((await driver.revertTo(d.name, 'offline', { finalState: 'Stopped' })).phase).toBe('Stopped');
      await driver.start(d.name);
      expect((await driver.revertTo(d.name, 'offline', { finalState: 'Running' })).phase).toBe('Running');
    });

    it('reverts a stopped VM to a memory snapshot: ends running', async () => {
      const d = await env.newDomain({ phase: 'Running' });
      await take(d.name, 'mem', true);
      await driver.stop(d.name, { force: true });
      expect((await driver.revertTo(d.name, 'mem', { finalState: 'Running' })).phase).toBe('Running');
    });

    (features.pause ? it : skipUnsupported)(
      'reverts to a snapshot taken while paused: ends paused',
      async () => {
        const d = await env.newDomain({ phase: 'Paused' });
        await take(d.name, 'paused', true);
        await driver.resume(d.name);
        const after = await driver.revertTo(d.name, 'paused', { finalState: 'Paused' });
        expect(after.phase).toBe('Paused');
      },
    );

    it('reverts to a disk-only snapshot of a running VM: the snapshot disk, stopped or freshly started', async () => {
      const d = await env.newDomain({ phase: 'Running' });
      await writePattern(d.name, 0x33);
      await take(d.name, 'diskonly', false);
      await writePattern(d.name, 0x44);
      const stopped = await driver.revertTo(d.name, 'diskonly', { finalState: 'Stopped' });
      expect(stopped.phase).toBe('Stopped');
      await expectPattern(d.name, 0x33);
      const running = await driver.revertTo(d.name, 'diskonly', { finalState: 'Running' });
      expect(running.phase).toBe('Running');
      expect(running.stateDetail).not.toMatch(/from snapshot/);
    });

    it('refuses to revert to a missing or inconsistent snapshot and leaves the VM running', async () => {
      const d = await env.newDomain({ phase: 'Running' });
      await expectDriverError(driver.revertTo(d.name, 'nope', { finalState: 'Running' }), 'SnapshotNotFound');
      expect(await phaseOf(d.name)).toBe('Running');
      if (!features.imageInconsistency) return;
      await take(d.name, 'hollow', true);
      await env.removeFromImage(d.name, 'hollow');
      await expectDriverError(
        driver.revertTo(d.name, 'hollow', { finalState: 'Stopped' }),
        'SnapshotInconsistent',
      );
      expect(await phaseOf(d.name)).toBe('Running');
    });

    (features.interruptedSnapshot ? it : skipUnsupported)(
      'recovers from an interrupted snapshot and retakes the name cleanly',
      async () => {
        const d = await env.newDomain({ phase: 'Running' });
        await env.interruptSnapshot(d.name, 'crashed');
        const stuck = await driver.getDomain(d.name);
        expect(stuck).toMatchObject({ phase: 'Paused', pausedReason: env.pausedReasonAfterInterrupt });
        const recovered = await driver.recover(d.name);
        if (env.pausedReasonAfterInterrupt === 'Saving') {
          expect(recovered.actions).toEqual(['ResumedInterruptedSave']);
          expect(recovered.domain.phase).toBe('Running');
        } else {
          // Only a pause the hypervisor attributes to a save is undone: a user's pause stays.
          expect(recovered.actions).toEqual([]);
          expect(recovered.domain.phase).toBe('Paused');
          await driver.resume(d.name);
        }
        expect(await driver.recover(d.name)).toMatchObject({ actions: [] });
        expect(await driver.getSnapshot(d.name, 'crashed')).toBeUndefined();

        const snap = await take(d.name, 'crashed', true);
        expect(snap.owner).toEqual(owner('crashed'));
        expect((await driver.listSnapshots(d.name)).map((s) => s.name)).toEqual(['crashed']);
        expect((await driver.revertTo(d.name, 'crashed', { finalState: 'Running' })).phase).toBe('Running');
      },
    );

    it('changes power state idempotently', async () => {
      const d = await env.newDomain({ phase: 'Stopped' });
      expect((await driver.stop(d.name, { force: true })).phase).toBe('Stopped');
      expect((await driver.start(d.name)).phase).toBe('Running');
      expect((await driver.start(d.name)).phase).toBe('Running');
      if (features.pause) {
        expect((await driver.resume(d.name)).phase).toBe('Running');
        expect((await driver.pause(d.name)).phase).toBe('Paused');
        expect((await driver.pause(d.name)).phase).toBe('Paused');
        expect((await driver.start(d.name)).phase).toBe('Paused');
        expect((await driver.resume(d.name)).phase).toBe('Running');
      }
      await driver.stop(d.name, { force: false });
      expect((await driver.stop(d.name, { force: true })).phase).toBe('Stopped');
      expect((await driver.stop(d.name, { force: true })).phase).toBe('Stopped');
      if (features.pause) await expectDriverError(driver.pause(d.name), 'InvalidDomainState');
    });
  });
}
