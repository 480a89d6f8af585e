// The libvirt driver's read sessions (src/drivers/libvirt/virsh-session*.ts) against real virsh and libvirtd:
// quoting proven by virsh itself, recovery after the session's virsh dies, timeouts, reads on two domains at once.
// A hung read is made for real: the domain's QEMU is stopped (SIGSTOP), so `info snapshots` through its monitor
// cannot answer. Skips loudly without libvirt locally; fails with CI=true.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toDriverError } from '../../src/drivers/libvirt/error-mapping.ts';
import { LibvirtDriver } from '../../src/drivers/libvirt/libvirt-driver.ts';
import { CommandFailure, Virsh } from '../../src/drivers/libvirt/virsh.ts';
import { VirshSession } from '../../src/drivers/libvirt/virsh-session.ts';
import { NASTY_ARGS } from '../support/libvirt/nasty-args.ts';
import {
  createTestDomain,
  libvirtAvailable,
  sweepStaleTestDomains,
  TEST_URI,
  type TestDomain,
  virsh,
} from '../support/libvirt/test-domain.ts';

const run = promisify(execFile);
const available = await libvirtAvailable();

const infoSnapshots = (domain: string) => [
  'qemu-monitor-command',
  '--domain',
  domain,
  '--hmp',
  '--cmd',
  'info snapshots',
];

async function qemuPid(domain: string): Promise<number> {
  return Number((await readFile(`/run/libvirt/qemu/${domain}.pid`, 'utf8')).trim());
}

/** Runs `body` while the domain's QEMU is stopped (its monitor cannot answer); always continues it. */
async function withQemuStopped<T>(domain: string, body: () => Promise<T>): Promise<T> {
  const pid = await qemuPid(domain);
  process.kill(pid, 'SIGSTOP');
  try {
    return await body();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

async function exited(pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`process ${pid} did not exit`);
}

/** Settles with the promise's outcome without throwing, so a test can look at a rejection later. */
function outcome<T>(p: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  const done = p.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return { state, done };
}

describe('virsh read sessions without virsh', () => {
  it('fails a read as `not installed` when the program does not exist', async () => {
    const session = new VirshSession({ uri: TEST_URI, timeoutMs: 5000, program: '/nonexistent/virsh' });
    const error = await session.run(['version']).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toMatchObject({ notInstalled: true });
    expect(toDriverError(error, 'probe')).toMatchObject({ reason: 'DriverFailure', retryable: false });
  });
});

if (!available) {
  describe.skip('virsh read sessions (libvirt unavailable)', () => {
    it('needs libvirtd', () => {});
  });
} else {
  describe('virsh read sessions against real libvirt', () => {
    let a: TestDomain;
    let b: TestDomain;

    beforeAll(async () => {
      await sweepStaleTestDomains();
      [a, b] = await Promise.all([
        createTestDomain({ label: 'sess-a', start: true }),
        createTestDomain({ label: 'sess-b', start: true }),
      ]);
    }, 60_000);

    afterAll(async () => {
      await Promise.all([a?.remove(), b?.remove()]);
    }, 60_000);

    it('hands every argument to virsh as exactly one token, as a process would', async () => {
      const session = new VirshSession({ uri: TEST_URI, timeoutMs: 30_000 });
      try {
        const args = ['echo', '--shell', '--', ...NASTY_ARGS];
        const viaSession = await session.run(args);
        const viaProcess = await run('virsh', ['-c', TEST_URI, '-q', ...args], {
          env: { ...process.env, LC_ALL: 'C' },
        });
        expect(viaSession.stdout).toBe(viaProcess.stdout);
        // One at a time, so a miscount of tokens cannot hide behind the joined output.
        for (const arg of NASTY_ARGS) {
          expect((await session.run(['echo', '--', arg])).stdout).toBe(arg);
        }
      } finally {
        await session.close();
      }
    });

    it('reads a domain whose name holds quotes, `;`, `#` and `\\` through a session, exactly', async () => {
      const d = await createTestDomain({ label: 'evil' });
      const evil = `${d.name}-q'"; destroy --domain ${d.name}; echo x \\ #y $z`;
      await virsh(['domrename', '--domain', d.name, '--new-name', evil]);
      const driver = new LibvirtDriver({ uri: TEST_URI });
      try {
        const info = await driver.getDomain(evil);
        expect(info).toMatchObject({ name: evil, uuid: d.uuid, phase: 'Stopped' });
        expect(await driver.listSnapshots(evil)).toEqual([]);
        expect(await driver.getSnapshot(evil, 'none')).toBeUndefined();
        const reader = new Virsh(TEST_URI);
        try {
          expect(await reader.read(['dominfo', '--domain', evil])).toContain(`Name:           ${evil}\n`);
          expect(reader.sessionStats).toMatchObject({ commands: 1, sessionsStarted: 1 });
        } finally {
          await reader.close();
        }
        // A name a command line cannot carry goes to its own process and still reaches libvirt exactly.
        const multiLine = `${d.name}\nsnapshot-delete`;
        // (A process has an exit status; a session command has none.)
        await expect(driver.getDomain(multiLine)).rejects.toMatchObject({
          reason: 'DomainNotFound',
          cause: { exitCode: 1, stderr: expect.stringContaining(`failed to get domain '${multiLine}'`) },
        });
      } finally {
        await driver.close();
        await virsh(['domrename', '--domain', evil, '--new-name', d.name]).catch(() => {});
        await d.remove();
      }
    });

    it('replaces a session whose virsh was killed while idle, and one killed mid-read (which fails retryable)', async () => {
      const reader = new Virsh(TEST_URI, undefined, 30_000, { maxSessions: 1 });
      try {
        expect(await reader.read(['domstate', '--domain', a.name])).toMatch(/running/);
        const [idle] = reader.sessionPids();
        expect(idle).toBeDefined();
        process.kill(idle as number, 'SIGKILL');
        await exited(idle as number);
        expect(await reader.read(['domstate', '--domain', a.name])).toMatch(/running/);
        expect(reader.sessionStats).toMatchObject({ sessionsStarted: 2, open: 1 });

        const failure = await withQemuStopped(a.name, async () => {
          const hung = outcome(reader.read(infoSnapshots(a.name)));
          const [busy] = reader.sessionPids();
          await new Promise((r) => setTimeout(r, 300));
          expect(hung.state.settled).toBe(false);
          process.kill(busy as number, 'SIGKILL');
          await hung.done;
          return hung.state.error;
        });
        expect(failure).toBeInstanceOf(CommandFailure);
        const mapped = toDriverError(failure, `read image tags of ${a.name}`);
        expect(mapped).toMatchObject({ reason: 'HypervisorUnreachable', retryable: true });
        expect(mapped.hypervisorMessage).toMatch(/virsh session ended \(killed by SIGKILL\)/);
        expect(await reader.read(infoSnapshots(a.name))).toMatch(/ID|no snapshots|There is no snapshot/i);
        expect(reader.sessionStats).toMatchObject({ sessionsStarted: 3, open: 1 });
      } finally {
        await reader.close();
      }
    });

    it('fails a read that does not answer in time with the reason, kills its session, and the next read works', async () => {
      const reader = new Virsh(TEST_URI, undefined, 1500, { maxSessions: 1 });
      try {
        await withQemuStopped(a.name, async () => {
          await reader.read(['domstate', '--domain', a.name]);
          const [session] = reader.sessionPids();
          const error = await reader.read(infoSnapshots(a.name)).then(
            () => undefined,
            (err: unknown) => err,
          );
          expect(error).toMatchObject({ timedOut: true });
          const mapped = toDriverError(error, `read image tags of ${a.name}`);
          expect(mapped).toMatchObject({ reason: 'OperationTimeout', retryable: true });
          expect(mapped.message).toMatch(/did not finish in time/);
          expect(mapped.hypervisorMessage).toMatch(/no answer within 1500 ms; the virsh session was killed/);
          await exited(session as number);
          // The next read runs on a fresh session, on the other domain while this QEMU is still stopped.
          expect(await reader.read(['domstate', '--domain', b.name])).toMatch(/running/);
        });
        expect(await reader.read(['domstate', '--domain', a.name])).toMatch(/running/);
        expect(reader.sessionStats).toMatchObject({ sessionsStarted: 2 });
      } finally {
        await reader.close();
      }
    });

    it('answers a read on one domain while a read on another hangs', async () => {
      const reader = new Virsh(TEST_URI, undefined, 30_000, { maxSessions: 2 });
      try {
        await withQemuStopped(a.name, async () => {
          const hung = outcome(reader.read(infoSnapshots(a.name)));
          const other = await reader.read(infoSnapshots(b.name));
          expect(other).not.toMatch(/error/i);
          expect(await reader.read(['dominfo', '--domain', b.name])).toMatch(/State:\s+running/);
          expect(hung.state.settled).toBe(false);
          expect(reader.sessionStats?.open).toBe(2);
          return hung;
        }).then(async (hung) => {
          await hung.done;
          expect(hung.state.error).toBeUndefined();
        });
      } finally {
        await reader.close();
      }
      expect(reader.sessionPids()).toEqual([]);
    });

    it('starts sessions on demand up to the limit and closes idle ones', async () => {
      const reader = new Virsh(TEST_URI, undefined, 30_000, { maxSessions: 3, idleMs: 200 });
      try {
        const reads = Array.from({ length: 9 }, (_, i) => ['domstate', '--domain', i % 2 ? a.name : b.name]);
        const answers = await Promise.all(reads.map((args) => reader.read(args)));
        expect(answers.every((out) => /running/.test(out))).toBe(true);
        expect(reader.sessionStats).toMatchObject({ commands: 9, sessionsStarted: 3 });
        const pids = reader.sessionPids();
        await Promise.all(pids.map((pid) => exited(pid)));
        expect(reader.sessionStats?.open).toBe(0);
        expect(await reader.read(['domstate', '--domain', a.name])).toMatch(/running/);
      } finally {
        await reader.close();
      }
    });

    it('reports a daemon it cannot reach as HypervisorUnreachable', async () => {
      const driver = new LibvirtDriver({ uri: 'qemu+unix:///system?socket=/nonexistent/libvirt-sock' });
      try {
        await expect(driver.getDomain(a.name)).rejects.toMatchObject({
          reason: 'HypervisorUnreachable',
          retryable: true,
          hypervisorMessage: expect.stringMatching(/Failed to connect socket/),
        });
      } finally {
        await driver.close();
      }
    });
  });
}
