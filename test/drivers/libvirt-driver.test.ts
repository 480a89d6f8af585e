// LibvirtDriver decisions that real libvirt cannot be brought into on a shared machine (a `paused (saving)`
// domain needs libvirtd killed mid-snapshot): replayed virsh output through an injected runner.

import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { LibvirtDriver } from '../../src/drivers/libvirt/libvirt-driver.ts';
import { isLocalUri, prepareUri } from '../../src/drivers/libvirt/uri.ts';
import { CommandFailure, type CommandRunner } from '../../src/drivers/libvirt/virsh.ts';
import { encodeSnapshotDescription } from '../../src/drivers/snapshot-description.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/libvirt/${name}`, import.meta.url), 'utf8');
const DOMINFO_PAUSED = fixture('dominfo-running.txt').replace(
  'State:          running',
  'State:          paused',
);

/** A scripted hypervisor: each handler sees virsh's arguments after `-c URI -q`; calls are logged. */
function scripted(handle: (args: string[]) => string) {
  const calls: string[][] = [];
  const runner: CommandRunner = async (command, args) => {
    const rest = command === 'virsh' ? args.slice(3) : [command, ...args];
    calls.push(rest);
    try {
      return { stdout: handle(rest), stderr: '' };
    } catch (err) {
      throw new CommandFailure(command, args, { exitCode: 1, stderr: `error: ${(err as Error).message}` });
    }
  };
  return { runner, calls };
}

describe('LibvirtDriver with replayed virsh output', () => {
  it('probes the daemon and hypervisor versions', async () => {
    const { runner } = scripted(() => fixture('version.txt'));
    const probe = await new LibvirtDriver({ uri: 'qemu:///system', runner }).probe();
    expect(probe).toEqual({
      version: 'libvirt 9.0.0, QEMU 7.2.22',
      capabilities: { memorySnapshots: true, quiesce: true, revertExternal: false },
    });
  });

  it('recover resumes a domain left `paused (saving)` and only that', async () => {
    let state = 'paused (saving)';
    const { runner, calls } = scripted((args) => {
      if (args[0] === 'dominfo')
        return state.startsWith('paused') ? DOMINFO_PAUSED : fixture('dominfo-running.txt');
      if (args[0] === 'domstate') return `${state}\n`;
      if (args[0] === 'resume') {
        state = 'running (unpaused)';
        return '';
      }
      throw new Error(`unexpected ${args.join(' ')}`);
    });
    const driver = new LibvirtDriver({ uri: 'qemu:///system', runner });
    const result = await driver.recover('vmsnap-fixture');
    expect(result.actions).toEqual(['ResumedInterruptedSave']);
    expect(result.domain.phase).toBe('Running');
    expect(calls.filter((c) => c[0] === 'resume')).toHaveLength(1);

    state = 'paused (user)';
    const untouched = await driver.recover('vmsnap-fixture');
    expect(untouched).toMatchObject({ actions: [], domain: { phase: 'Paused', pausedReason: 'User' } });
    expect(calls.filter((c) => c[0] === 'resume')).toHaveLength(1);
  });

  it('recover leaves alone a `paused (saving)` that was another tool snapshotting: libvirt refuses the resume after the job', async () => {
    let state = 'paused (saving)';
    const { runner, calls } = scripted((args) => {
      if (args[0] === 'dominfo')
        return state.startsWith('paused') ? DOMINFO_PAUSED : fixture('dominfo-running.txt');
      if (args[0] === 'domstate') return `${state}\n`;
      if (args[0] === 'resume') {
        // What libvirt answers when our resume waited on the other tool's snapshot job and the job resumed the VM.
        state = 'running (unpaused)';
        throw new Error('Requested operation is not valid: domain is already running');
      }
      throw new Error(`unexpected ${args.join(' ')}`);
    });
    const driver = new LibvirtDriver({ uri: 'qemu:///system', runner });
    const result = await driver.recover('vmsnap-fixture');
    expect(result).toMatchObject({ actions: [], domain: { phase: 'Running' } });
    expect(calls.filter((c) => c[0] === 'resume')).toHaveLength(1);

    // A resume refused while the VM is still paused is a real failure, not a race.
    state = 'paused (saving)';
    const stuck = scripted((args) => {
      if (args[0] === 'dominfo') return DOMINFO_PAUSED;
      if (args[0] === 'domstate') return 'paused (saving)\n';
      throw new Error('internal error: unable to execute QEMU command cont');
    });
    await expect(
      new LibvirtDriver({ uri: 'qemu:///system', runner: stuck.runner }).recover('vmsnap-fixture'),
    ).rejects.toMatchObject({ name: 'DriverError' });
  });

  it('createSnapshot after a crash mid-create: resumes the VM, removes the orphan tag, retakes the name', async () => {
    let state = 'paused (saving)';
    let tags = ['vs-1'];
    let created = false;
    const owner = { uid: 'u-1', namespace: 'prod', name: 'before' };
    const { runner, calls } = scripted((args) => {
      switch (args[0]) {
        case 'snapshot-dumpxml': {
          if (!created)
            throw new Error("Domain snapshot not found: no domain snapshot with matching name 'vs-1'");
          const description = encodeSnapshotDescription({ owner, description: 'd', memory: true });
          return fixture('running.xml')
            .replace('<name>vs-1234</name>', '<name>vs-1</name>')
            .replace(
              /<description>[\s\S]*?<\/description>/,
              `<description>${escapeXml(description)}</description>`,
            );
        }
        case 'snapshot-current':
          if (!created) throw new Error("domain 'vmsnap-fixture' has no current snapshot");
          return 'vs-1\n';
        case 'dominfo':
          return state.startsWith('paused') ? DOMINFO_PAUSED : fixture('dominfo-running.txt');
        case 'domstate':
          return `${state}\n`;
        case 'resume':
          state = 'running (unpaused)';
          return '';
        case 'dumpxml':
          return fixture('domain-running.xml');
        case 'qemu-monitor-command': {
          const cmd = args[args.length - 1] ?? '';
          if (cmd === 'info snapshots') return table(tags);
          if (cmd === 'delvm vs-1') {
            tags = tags.filter((t) => t !== 'vs-1');
            return '';
          }
          throw new Error(`unexpected HMP ${cmd}`);
        }
        case 'snapshot-list':
          return '';
        case 'snapshot-create-as':
          if (tags.includes('vs-1')) throw new Error('duplicate tag would be created');
          tags.push('vs-1');
          created = true;
          return '';
        default:
          throw new Error(`unexpected ${args.join(' ')}`);
      }
    });
    const driver = new LibvirtDriver({ uri: 'qemu:///system', runner });
    const snap = await driver.createSnapshot('vmsnap-fixture', {
      name: 'vs-1',
      owner,
      description: 'd',
      memory: true,
      quiesce: false,
    });
    expect(snap).toMatchObject({ name: 'vs-1', owner, memory: true, current: true });
    const order = calls.map((c) => (c[0] === 'qemu-monitor-command' ? c[c.length - 1] : c[0]));
    expect(order.indexOf('resume')).toBeLessThan(order.indexOf('delvm vs-1'));
    expect(order.indexOf('delvm vs-1')).toBeLessThan(order.indexOf('snapshot-create-as'));
    expect(calls.find((c) => c[0] === 'snapshot-create-as')).toEqual(
      expect.arrayContaining(['--domain', 'vmsnap-fixture', '--name', 'vs-1', '--atomic']),
    );
  });

  it('createSnapshot with mayExist false (a first attempt) looks for neither its record nor an orphan tag', async () => {
    let created = false;
    const owner = { uid: 'u-3', namespace: 'prod', name: 'first' };
    const { runner, calls } = scripted((args) => {
      switch (args[0]) {
        case 'snapshot-dumpxml': {
          if (!created)
            throw new Error("Domain snapshot not found: no domain snapshot with matching name 'vs-3'");
          const description = encodeSnapshotDescription({ owner, description: '', memory: true });
          return fixture('running.xml')
            .replace('<name>vs-1234</name>', '<name>vs-3</name>')
            .replace(
              /<description>[\s\S]*?<\/description>/,
              `<description>${escapeXml(description)}</description>`,
            );
        }
        case 'dominfo':
          return fixture('dominfo-running.txt');
        case 'dumpxml':
          return fixture('domain-running.xml');
        case 'snapshot-list':
          return '';
        case 'snapshot-create-as':
          created = true;
          return '';
        default:
          throw new Error(`unexpected ${args.join(' ')}`);
      }
    });
    const driver = new LibvirtDriver({ uri: 'qemu:///system', runner });
    const request = { name: 'vs-3', owner, description: '', memory: true, quiesce: false };
    const snap = await driver.createSnapshot('vmsnap-fixture', { ...request, mayExist: false });
    expect(snap).toMatchObject({ name: 'vs-3', owner, memory: true });
    expect(calls.some((c) => c[0] === 'qemu-monitor-command')).toBe(false);
    // Only the read-back after the create: no existence check before it.
    expect(calls.map((c) => c[0]).indexOf('snapshot-dumpxml')).toBeGreaterThan(
      calls.map((c) => c[0]).indexOf('snapshot-create-as'),
    );
    expect(calls.filter((c) => c[0] === 'snapshot-dumpxml')).toHaveLength(1);
  });

  it('refuses to add an internal snapshot to a domain that has external ones', async () => {
    const { runner, calls } = scripted((args) => {
      switch (args[0]) {
        case 'snapshot-dumpxml':
          throw new Error("Domain snapshot not found: no domain snapshot with matching name 'vs-2'");
        case 'dominfo':
          return fixture('dominfo-running.txt');
        case 'dumpxml':
          return fixture('domain-running.xml');
        case 'snapshot-list':
          expect(args).toContain('--external');
          return 'ext\n';
        default:
          throw new Error(`unexpected ${args.join(' ')}`);
      }
    });
    const driver = new LibvirtDriver({ uri: 'qemu:///system', runner });
    const owner = { uid: 'u-2', namespace: 'prod', name: 'x' };
    await expect(
      driver.createSnapshot('vmsnap-fixture', {
        name: 'vs-2',
        owner,
        description: '',
        memory: true,
        quiesce: false,
      }),
    ).rejects.toMatchObject({
      reason: 'Unsupported',
      retryable: false,
      message: expect.stringContaining('ext'),
    });
    expect(calls.some((c) => c[0] === 'snapshot-create-as')).toBe(false);
  });

  it('revertTo checks the image before touching the VM', async () => {
    const { runner, calls } = scripted((args) => {
      switch (args[0]) {
        case 'snapshot-dumpxml':
          return fixture('running.xml');
        case 'dominfo':
          return fixture('dominfo-running.txt');
        case 'dumpxml':
          return fixture('domain-running.xml');
        case 'qemu-monitor-command':
          return fixture('info-snapshots.txt');
        default:
          throw new Error(`unexpected ${args.join(' ')}`);
      }
    });
    const driver = new LibvirtDriver({ uri: 'qemu:///system', runner });
    await expect(
      driver.revertTo('vmsnap-fixture', 'vs-1234', { finalState: 'Running' }),
    ).rejects.toMatchObject({
      reason: 'SnapshotInconsistent',
      retryable: false,
    });
    expect(calls.some((c) => c[0] === 'snapshot-revert' || c[0] === 'destroy')).toBe(false);
  });
});

describe('connection URIs', () => {
  it('tells local from remote URIs', () => {
    expect(isLocalUri('qemu:///system')).toBe(true);
    expect(isLocalUri('qemu+unix:///system?socket=/run/x')).toBe(true);
    expect(isLocalUri('qemu+ssh://root@kvm-01/system')).toBe(false);
  });

  it('turns an SSH key from a Secret into a private keyfile parameter and removes it on cleanup', async () => {
    const prepared = await prepareUri('qemu+ssh://root@kvm-01/system', {
      'ssh-privatekey': 'KEY',
      known_hosts: 'kvm-01 ssh-ed25519 AAAA',
    });
    const url = new URL(prepared.uri);
    const keyfile = url.searchParams.get('keyfile') ?? '';
    expect(url.hostname).toBe('kvm-01');
    expect(((await stat(keyfile)).mode & 0o777).toString(8)).toBe('600');
    expect(url.searchParams.get('known_hosts')).toMatch(/known_hosts$/);
    await prepared.cleanup();
    await expect(stat(keyfile)).rejects.toThrow();
    await expect(prepareUri('qemu:///system', { 'ssh-privatekey': 'KEY' })).rejects.toMatchObject({
      reason: 'DriverFailure',
    });
    expect((await prepareUri('qemu:///system')).uri).toBe('qemu:///system');
  });
});

function table(tags: string[]): string {
  if (tags.length === 0) return 'There is no snapshot available.\n';
  return [
    'List of snapshots present on all disks:',
    'ID        TAG               VM SIZE                DATE     VM CLOCK     ICOUNT',
    ...tags.map((t) => `--        ${t}                698 KiB 2026-11-25 03:54:43 00:00:00.050`),
  ].join('\n');
}

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
