// The vSphere driver against govmomi's vSphere simulator (vcsim): what the shared conformance suite cannot ask
// of vSphere (no pause, no disk content) checked the vSphere way, plus TLS, credentials, XML escaping, duplicate
// snapshot names, crash adoption and the client-side 32-snapshot limit. One vcsim for the file.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriverError } from '../../src/drivers/errors.ts';
import { createDriverFactory } from '../../src/drivers/factory.ts';
import type { SnapshotOwner } from '../../src/drivers/port.ts';
import { InMemoryTaskJournal, MAX_SNAPSHOT_CHAIN, VsphereDriver } from '../../src/drivers/vsphere/index.ts';
import { encodeVsphereDescription } from '../../src/drivers/vsphere/snapshot-mark.ts';
import { startTask, waitForTask } from '../../src/drivers/vsphere/vim-calls.ts';
import { requireVcsim, startVcsim, type Vcsim, vcsimBinary } from '../support/vsphere/vcsim.ts';
import { createSnapshotByHand, vcsimVmNames, vmByName } from '../support/vsphere/vim-lab.ts';

const MACHINES = 8;
const available = await requireVcsim('vSphere driver against vcsim');
// Built during collection, outside any hook's time limit (a cold build takes 20-60 s on two busy cores).
if (available) await vcsimBinary();

async function failure(promise: Promise<unknown>): Promise<DriverError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a DriverError').toBeInstanceOf(DriverError);
  return err as DriverError;
}

const owner = (name: string): SnapshotOwner => ({ uid: `uid-${name}`, namespace: 'prod', name });

describe.skipIf(!available)('vSphere driver against vcsim', () => {
  let sim: Vcsim;
  let driver: VsphereDriver;
  const free = vcsimVmNames(MACHINES);
  const newVm = async (phase: 'Running' | 'Stopped'): Promise<string> => {
    const name = free.shift();
    if (!name) throw new Error('out of vcsim VMs');
    if (phase === 'Running') await driver.start(name);
    else await driver.stop(name, { force: true });
    return name;
  };
  const take = (vm: string, name: string, memory: boolean, description = '') =>
    driver.createSnapshot(vm, { name, owner: owner(name), description, memory, quiesce: false });

  beforeAll(async () => {
    sim = await startVcsim({ machines: MACHINES });
    driver = new VsphereDriver({
      url: sim.url,
      username: sim.username,
      password: sim.password,
      ca: sim.caPem,
      taskPollMs: 5,
    });
  });
  afterAll(async () => {
    await driver?.close();
    await sim?.stop();
  });

  it('finds a VM by name, inventory path, instance UUID and BIOS UUID; unknown ones are DomainNotFound', async () => {
    const name = await newVm('Running');
    const byName = await driver.getDomain(name);
    expect(byName).toMatchObject({ name, phase: 'Running', stateDetail: 'poweredOn' });
    expect(await driver.getDomain(`DC0/vm/${name}`)).toEqual(byName);
    expect(await driver.getDomain(byName.uuid)).toEqual(byName);
    const vm = await vmByName(driver.client, name);
    const { readProperties } = await import('../../src/drivers/vsphere/vim-calls.ts');
    const { text } = await import('../../src/drivers/vsphere/soap-xml.ts');
    const biosUuid = text((await readProperties(driver.client, vm, ['config.uuid'])).get('config.uuid'));
    expect(biosUuid).not.toBe(byName.uuid);
    expect((await driver.getDomain(biosUuid)).name).toBe(name);
    for (const missing of ['no-such-vm', 'DC0/vm/no-such-vm', '00000000-0000-0000-0000-000000000000']) {
      const err = await failure(driver.getDomain(missing));
      expect(err.reason).toBe('DomainNotFound');
      expect(err.retryable).toBe(false);
    }
  });

  it('reports suspended VMs as Suspended; resume and start power them on; pause is Unsupported', async () => {
    const name = await newVm('Running');
    const vm = await vmByName(driver.client, name);
    const task = await startTask(driver.client, 'SuspendVM_Task', vm);
    expect((await waitForTask(driver.client, task, { timeoutMs: 10_000 }))?.state).toBe('success');
    expect((await driver.getDomain(name)).phase).toBe('Suspended');
    expect((await driver.resume(name)).phase).toBe('Running');
    expect((await driver.resume(name)).phase).toBe('Running');
    const pause = await failure(driver.pause(name));
    expect(pause.reason).toBe('Unsupported');
    expect((await driver.getDomain(name)).phase).toBe('Running');

    expect((await driver.stop(name, { force: true })).phase).toBe('Stopped');
    expect((await driver.stop(name, { force: true })).phase).toBe('Stopped');
    expect((await failure(driver.pause(name))).reason).toBe('InvalidDomainState');
    expect((await failure(driver.resume(name))).reason).toBe('InvalidDomainState');
    expect((await driver.start(name)).phase).toBe('Running');
    expect((await driver.start(name)).phase).toBe('Running');
    // Graceful: ShutdownGuest through VMware Tools (vcsim's guests always shut down at once).
    await driver.stop(name, { force: false });
    expect((await driver.getDomain(name)).phase).toBe('Stopped');
  });

  it('snapshots a stopped VM disk-only and keeps it stopped; refuses memory, bad names and Paused reverts', async () => {
    const name = await newVm('Stopped');
    const disk = await take(name, 'disk-stopped', false);
    expect(disk).toMatchObject({
      memory: false,
      vmPhase: 'Stopped',
      current: true,
      owner: owner('disk-stopped'),
    });
    expect((await driver.getDomain(name)).phase).toBe('Stopped');

    expect((await failure(take(name, 'mem-off', true))).reason).toBe('MemoryRequiresRunningVM');
    expect((await failure(take(name, 'x/y', false))).reason).toBe('InvalidSnapshotName');
    expect((await driver.listSnapshots(name)).map((s) => s.name)).toEqual(['disk-stopped']);

    const paused = await failure(driver.revertTo(name, 'disk-stopped', { finalState: 'Paused' }));
    expect(paused.reason).toBe('Unsupported');
    const missing = await failure(driver.revertTo(name, 'nope', { finalState: 'Running' }));
    expect(missing.reason).toBe('SnapshotNotFound');
    expect((await driver.getDomain(name)).phase).toBe('Stopped');
  });

  it('drives power explicitly on revert: each final state is reached from each starting state', async () => {
    const name = await newVm('Running');
    await take(name, 'mem', true);
    await take(name, 'disk', false);
    for (const from of ['Running', 'Stopped'] as const) {
      for (const snapshot of ['mem', 'disk']) {
        for (const finalState of ['Running', 'Stopped'] as const) {
          if (from === 'Running') await driver.start(name);
          else await driver.stop(name, { force: true });
          const after = await driver.revertTo(name, snapshot, { finalState });
          expect(after.phase, `${from} -> ${snapshot} -> ${finalState}`).toBe(finalState);
          expect((await driver.getSnapshot(name, snapshot))?.current).toBe(true);
        }
      }
    }
  });

  it('round-trips names and descriptions with XML special characters unchanged', async () => {
    const name = await newVm('Running');
    const description = `a <b> & "c" 'd' &amp; &#34; ]]> \t tab\nline two\n`;
    const ours = await take(name, 'ours', true, description);
    expect(ours.description).toBe(description);
    const foreignName = `by hand <&>'" ]]>`;
    const foreignDescription = `<description>&lt;not escaped twice</description>`;
    await createSnapshotByHand(
      driver.client,
      await vmByName(driver.client, name),
      foreignName,
      foreignDescription,
    );
    const list = await driver.listSnapshots(name);
    const foreign = list.find((s) => s.owner === undefined);
    expect(foreign).toMatchObject({ name: foreignName, description: foreignDescription });
    expect((await driver.getSnapshot(name, 'ours'))?.description).toBe(description);
  });

  it('tells apart snapshots sharing a name by owner: foreign duplicates are never touched', async () => {
    const name = await newVm('Running');
    const vm = await vmByName(driver.client, name);
    await createSnapshotByHand(driver.client, vm, 'shared', 'made by another tool');
    // The name is taken by a foreign snapshot: vmsnap refuses to add a second one under it...
    expect((await failure(take(name, 'shared', true))).reason).toBe('SnapshotNameConflict');
    // ...but when one appears anyway (another tool reusing vmsnap's name), vmsnap's is the one it acts on.
    await createSnapshotByHand(
      driver.client,
      vm,
      'shared',
      encodeVsphereDescription({ owner: owner('shared'), description: 'ours', memory: false }, 'Running'),
    );
    expect((await driver.getSnapshot(name, 'shared'))?.owner).toEqual(owner('shared'));
    expect((await failure(driver.deleteSnapshot(name, 'shared', { ownerUid: 'uid-other' }))).reason).toBe(
      'SnapshotNotOwned',
    );
    expect(await driver.deleteSnapshot(name, 'shared', { ownerUid: 'uid-shared' })).toBe(true);
    const left = await driver.listSnapshots(name);
    expect(left.map((s) => [s.name, s.description, s.owner])).toEqual([
      ['shared', 'made by another tool', undefined],
    ]);
  });

  it('adopts its own snapshot after a crash: by identity in the tree, or by waiting on the journalled task', async () => {
    const name = await newVm('Running');
    const vm = await vmByName(driver.client, name);
    const description = encodeVsphereDescription(
      { owner: owner('crash'), description: 'x', memory: true },
      'Running',
    );
    // The task ran to the end on the server, the client died before recording anything.
    const made = await createSnapshotByHand(driver.client, vm, 'crash', description, true);
    const adopted = await take(name, 'crash', true, 'x');
    expect(adopted.owner).toEqual(owner('crash'));
    expect((await driver.listSnapshots(name)).filter((s) => s.name === 'crash')).toHaveLength(1);
    expect(made.value).toMatch(/^snapshot-/);

    // With a journal: a create records its task and clears it when done; an adopted snapshot clears a stale entry.
    const journal = new InMemoryTaskJournal();
    const journalled = new VsphereDriver({
      url: sim.url,
      username: sim.username,
      password: sim.password,
      ca: sim.caPem,
      taskPollMs: 5,
      taskJournal: journal,
    });
    try {
      const started: string[] = [];
      const record = journal.started.bind(journal);
      journal.started = async (entry) => {
        started.push(entry.task);
        await record(entry);
      };
      await journalled.createSnapshot(name, {
        name: 'logged',
        owner: owner('logged'),
        description: '',
        memory: true,
        quiesce: false,
      });
      expect(started).toEqual([expect.stringMatching(/^task-/)]);
      expect(await journal.pending(vm.value, 'uid-logged')).toBeUndefined();

      await record({
        vm: vm.value,
        snapshotName: 'crash',
        owner: owner('crash'),
        task: 'task-gone',
      });
      expect(
        (
          await journalled.createSnapshot(name, {
            name: 'crash',
            owner: owner('crash'),
            description: 'x',
            memory: true,
            quiesce: false,
          })
        ).owner,
      ).toEqual(owner('crash'));
      expect(await journal.pending(vm.value, 'uid-crash')).toBeUndefined();
      expect(started).toHaveLength(1);

      // A first attempt (mayExist false: the caller just took the VM's hold) cannot have a task in flight: the
      // journal is not asked, only told.
      let asked = 0;
      const lookup = journal.pending.bind(journal);
      journal.pending = async (vmRef, who) => {
        asked++;
        return lookup(vmRef, who);
      };
      await journalled.createSnapshot(name, {
        name: 'first-try',
        owner: owner('first-try'),
        description: '',
        memory: true,
        quiesce: false,
        mayExist: false,
      });
      expect(asked).toBe(0);
      expect(started).toHaveLength(2);
    } finally {
      await journalled.close();
    }
  });

  it(`refuses a snapshot beyond the ${MAX_SNAPSHOT_CHAIN}-level chain limit (vcsim would accept it) and leaves nothing behind`, async () => {
    const name = await newVm('Stopped');
    for (let i = 1; i <= MAX_SNAPSHOT_CHAIN; i++) await take(name, `s${i}`, false);
    const err = await failure(take(name, 'one-too-many', false));
    expect(err.reason).toBe('SnapshotLimitReached');
    expect(err.retryable).toBe(false);
    expect(await driver.listSnapshots(name)).toHaveLength(MAX_SNAPSHOT_CHAIN);
    expect((await driver.probe()).capabilities.maxSnapshotsPerVM).toBe(MAX_SNAPSHOT_CHAIN);
  });

  it('logs in again when the session is gone', async () => {
    const name = await newVm('Running');
    const { sessionManager } = await driver.client.serviceContent();
    // End the session on the server behind the client's back (as an idle timeout would).
    await driver.client.call('Logout', sessionManager);
    expect((await driver.getDomain(name)).phase).toBe('Running');
    expect(await driver.listSnapshots(name)).toEqual([]);
  });

  it('wrong password: AuthenticationFailed, and the password appears nowhere in the error', async () => {
    const wrong = `${sim.password}-wrong`;
    const bad = new VsphereDriver({ url: sim.url, username: sim.username, password: wrong, ca: sim.caPem });
    try {
      const err = await failure(bad.probe());
      expect(err.reason).toBe('AuthenticationFailed');
      expect(err.retryable).toBe(false);
      for (const text of [err.message, err.hypervisorMessage ?? '', String(err.stack)]) {
        expect(text).not.toContain(wrong);
        expect(text).not.toContain(sim.password);
      }
    } finally {
      await bad.close();
    }
  });

  it('an untrusted certificate is TLSVerificationFailed naming the host (verification is never skipped)', async () => {
    const host = new URL(sim.url).host;
    const systemCas = new VsphereDriver({ url: sim.url, username: sim.username, password: sim.password });
    try {
      const err = await failure(systemCas.probe());
      expect(err.reason).toBe('TLSVerificationFailed');
      expect(err.retryable).toBe(false);
      expect(err.message).toContain(host);
    } finally {
      await systemCas.close();
    }
    // Only the explicit lab switch skips verification.
    const insecure = new VsphereDriver({
      url: sim.url,
      username: sim.username,
      password: sim.password,
      insecure: true,
    });
    try {
      expect((await insecure.probe()).version).toContain('VMware');
    } finally {
      await insecure.close();
    }
  });

  it('is built by the driver factory from a Hypervisor connection; missing credentials are named', async () => {
    const factory = createDriverFactory();
    const built = factory({
      driver: 'vsphere',
      uri: sim.url,
      credentials: { username: sim.username, password: sim.password, 'ca.crt': sim.caPem },
    });
    try {
      expect((await built.probe()).version).toContain('VMware');
    } finally {
      await built.close();
    }
    let thrown: unknown;
    try {
      factory({ driver: 'vsphere', uri: sim.url, credentials: { username: 'u' } });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DriverError);
    expect((thrown as DriverError).reason).toBe('AuthenticationFailed');
    expect((thrown as DriverError).message).toContain('password');
  });
});
