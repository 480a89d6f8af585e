// Quoting for virsh's interactive command line (src/drivers/libvirt/virsh-command-line.ts), checked against a
// port of virsh's tokenizer here; test/drivers/virsh-session.test.ts checks the same strings against real virsh.

import { describe, expect, it } from 'vitest';
import { Virsh } from '../../src/drivers/libvirt/virsh.ts';
import {
  commandLine,
  isSessionSafe,
  quoteArg,
  splitCommandLine,
} from '../../src/drivers/libvirt/virsh-command-line.ts';
import { NASTY_ARGS } from '../support/libvirt/nasty-args.ts';

describe('virsh command-line quoting', () => {
  it('turns every printable-ASCII argument into exactly one token that reads back unchanged', () => {
    for (const arg of NASTY_ARGS) {
      expect(splitCommandLine(commandLine(['echo', arg]))).toEqual([['echo', arg]]);
    }
    expect(splitCommandLine(commandLine(NASTY_ARGS))).toEqual([NASTY_ARGS]);
  });

  it('round-trips every printable ASCII character in every position', () => {
    const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
    for (const c of printable) {
      const arg = `${c}x${c}${c}y${c}`;
      expect(splitCommandLine(commandLine(['dominfo', '--domain', arg]))).toEqual([
        ['dominfo', '--domain', arg],
      ]);
    }
  });

  it('refuses what a session line cannot carry: line breaks, control characters, non-ASCII', () => {
    for (const arg of ['a\nb', 'a\rb', 'tab\there', 'bell\u0007', 'del\u007f', 'caf\u00e9', 'snow\u2603']) {
      expect(isSessionSafe(arg)).toBe(false);
      expect(() => quoteArg(arg)).toThrow(/only printable ASCII/);
    }
    expect(isSessionSafe('vmsnap-t-1-q\'"; echo x \\ #y')).toBe(true);
  });

  it('splits the framing line the session writes into its five commands', () => {
    expect(
      splitCommandLine(`echo --err ab''c; echo ab''c; ${commandLine(['snapshot-list', 'a;b'])}; echo E`),
    ).toEqual([
      ['echo', '--err', 'abc'],
      ['echo', 'abc'],
      ['snapshot-list', 'a;b'],
      ['echo', 'E'],
    ]);
  });
});

describe('Virsh.read', () => {
  it('refuses every command that is not a read, so no mutation can travel through a session', async () => {
    const virsh = new Virsh('qemu:///system', async () => ({ stdout: '', stderr: '' }));
    for (const command of [
      'snapshot-create-as',
      'snapshot-delete',
      'snapshot-revert',
      'start',
      'destroy',
      'shutdown',
      'suspend',
      'resume',
      'domfsfreeze',
      'domfsthaw',
      'undefine',
      'define',
    ]) {
      await expect(virsh.read([command, '--domain', 'd'])).rejects.toThrow(/not a read-only command/);
    }
    await expect(
      virsh.read(['qemu-monitor-command', '--domain', 'd', '--hmp', '--cmd', 'delvm x']),
    ).rejects.toThrow(/not a read-only command/);
  });

  it('sends reads through an injected runner as processes would be (recorded-output tests)', async () => {
    const calls: string[][] = [];
    const virsh = new Virsh('qemu:///system', async (command, args) => {
      calls.push([command, ...args]);
      return { stdout: 'out', stderr: '' };
    });
    expect(await virsh.read(['dominfo', '--domain', 'd'])).toBe('out');
    expect(
      await virsh.read(['qemu-monitor-command', '--domain', 'd', '--hmp', '--cmd', 'info snapshots']),
    ).toBe('out');
    calls.pop();
    expect(calls).toEqual([['virsh', '-c', 'qemu:///system', '-q', 'dominfo', '--domain', 'd']]);
    expect(virsh.sessionStats).toBeUndefined();
  });
});
