// virsh bound to one connection URI, two ways:
//   - run(): one `virsh -c URI -q ARGS` process per call (argument array, no shell). Every MUTATING command goes
//     this way (snapshot-create-as, snapshot-delete, snapshot-revert, start, destroy, shutdown, suspend, resume,
//     domfsfreeze/thaw, HMP delvm), and anything fed XML on stdin. A hung or killed mutation is then isolated to
//     its own process, its exit status is exact, and what stands in for `virsh` on PATH (the e2e crash gate
//     test/e2e/crash-virsh-gate.ts, the bench recorder bench/lib/virsh-recorder.ts) sees each mutation as a
//     process it can stop or time.
//   - read(): read-only commands through a small pool of long-lived interactive sessions (virsh-session.ts),
//     saving a process start and a libvirt connection per read. A read whose arguments a command line cannot
//     carry (control characters, non-ASCII) runs as a process instead; with an injected runner (unit tests
//     replaying recorded output) reads go through the runner as processes would.
// For remote URIs the session is the same `virsh -c URI`, so one session also holds one SSH connection.

import { type CommandRunner, execRunner } from './command-runner.ts';
import { isSessionSafe } from './virsh-command-line.ts';
import { VirshSessionPool, type VirshSessionStats } from './virsh-session-pool.ts';

export {
  CommandFailure,
  type CommandResult,
  type CommandRunner,
  errorText,
  execRunner,
  type RunOptions,
} from './command-runner.ts';

/** Commands that only read: the only ones read() accepts. */
const READ_COMMANDS: ReadonlySet<string> = new Set([
  'version',
  'dominfo',
  'domstate',
  'domjobinfo',
  'domuuid',
  'dumpxml',
  'list',
  'snapshot-list',
  'snapshot-dumpxml',
  'snapshot-current',
  'snapshot-info',
  'snapshot-parent',
]);

/** The one QEMU monitor command read() accepts: `info snapshots` (orphan-tag checks, image-snapshots.ts). */
function isMonitorRead(args: readonly string[]): boolean {
  const [command, domainFlag, , hmp, cmdFlag, cmd, ...rest] = args;
  return (
    command === 'qemu-monitor-command' &&
    domainFlag === '--domain' &&
    hmp === '--hmp' &&
    cmdFlag === '--cmd' &&
    cmd === 'info snapshots' &&
    rest.length === 0
  );
}

export interface ReadSessionOptions {
  /** Sessions serving reads at most (reads in parallel); 0 runs every read as its own process. Default 4. */
  maxSessions?: number;
  /** An idle session is closed after this long. Default 2 min (the Hypervisor re-probe every 60 s keeps one open). */
  idleMs?: number;
}

export class Virsh {
  readonly uri: string;
  private readonly runner: CommandRunner;
  private readonly timeoutMs: number;
  private readonly sessions: VirshSessionPool | undefined;

  constructor(
    uri: string,
    runner: CommandRunner = execRunner,
    timeoutMs = 120_000,
    reads: ReadSessionOptions = {},
  ) {
    this.uri = uri;
    this.runner = runner;
    this.timeoutMs = timeoutMs;
    const maxSessions = reads.maxSessions ?? 4;
    // An injected runner replaces child processes altogether: sessions would bypass it.
    this.sessions =
      runner === execRunner && maxSessions > 0
        ? new VirshSessionPool({ uri, timeoutMs, maxSessions, idleMs: reads.idleMs ?? 120_000 })
        : undefined;
  }

  /** One virsh process; for mutations and anything that needs stdin (`--xmlfile /dev/stdin`). */
  async run(args: readonly string[], stdin?: string): Promise<string> {
    const result = await this.runner('virsh', ['-c', this.uri, '-q', ...args], {
      timeoutMs: this.timeoutMs,
      ...(stdin === undefined ? {} : { stdin }),
    });
    return result.stdout;
  }

  /**
   * A read-only command (READ_COMMANDS, or HMP `info snapshots`), through a session when possible. Refuses any
   * other command: a mutation must never travel through a session.
   */
  async read(args: readonly string[]): Promise<string> {
    const command = args[0] ?? '';
    if (!READ_COMMANDS.has(command) && !isMonitorRead(args)) {
      throw new Error(`virsh ${command} is not a read-only command; run it with Virsh.run`);
    }
    if (!this.sessions || !args.every(isSessionSafe)) return this.run(args);
    return (await this.sessions.run(args)).stdout;
  }

  /** Runs a local helper (qemu-img) with the same runner: only meaningful for local URIs. */
  async local(command: string, args: readonly string[]): Promise<string> {
    return (await this.runner(command, args, { timeoutMs: this.timeoutMs })).stdout;
  }

  /** Reads through sessions so far (undefined when reads run as processes). */
  get sessionStats(): VirshSessionStats | undefined {
    return this.sessions?.stats;
  }

  /** Process ids of the open read sessions. */
  sessionPids(): number[] {
    return this.sessions?.pids() ?? [];
  }

  /** Ends the read sessions. */
  async close(): Promise<void> {
    await this.sessions?.close();
  }
}
