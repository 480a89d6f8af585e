// One long-lived `virsh -c URI -q` in interactive mode: commands are written to its stdin one line at a time,
// so a read costs a round trip on an open libvirt connection instead of a process start plus a connection
// (~15-25 ms each here). Only for reads: see virsh.ts for why mutations stay processes.
//
// Framing. Each command goes on one line between markers virsh itself prints:
//   echo --err S; echo S; COMMAND; echo --err E; echo E
// so the command's stdout is exactly what lies between S and E on stdout, and its stderr exactly what lies
// between the lines `error: S` and `error: E` on stderr (`echo` prints no newline of its own in virsh 9.0).
// virsh runs every command of a line even after one fails, so the end markers always come. The markers are
// random per session plus a sequence number, so neither a domain's name nor its XML can forge them, and they
// are written split by an empty quote (`vms''nap...`): readline echoes each input line to stdout, and the echo
// must never contain the marker itself. The command failed when its stderr holds an `error:` line (interactive
// virsh has no per-command exit status).

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { CommandFailure, type CommandResult, commandEnv, MAX_OUTPUT } from './command-runner.ts';
import { commandLine, isSessionSafe } from './virsh-command-line.ts';

export interface VirshSessionOptions {
  uri: string;
  /** Per command. A command that takes longer kills the session and fails as timed out. */
  timeoutMs: number;
  /** The program, found through PATH like every other virsh call (so stand-ins on PATH see sessions too). */
  program?: string;
}

interface Pending {
  args: readonly string[];
  start: string;
  end: string;
  timeoutMs: number;
  timer: NodeJS.Timeout;
  resolve(result: CommandResult): void;
  reject(failure: CommandFailure): void;
}

/** How long close() lets virsh exit on EOF before killing it. */
const CLOSE_GRACE_MS = 2000;
/** stderr kept while idle (a connection error printed at start-up is the reason a later command fails). */
const IDLE_STDERR_KEEP = 16 * 1024;

export class VirshSession {
  readonly uri: string;
  readonly #program: string;
  readonly #defaultTimeoutMs: number;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #marker = `vmsnap${randomBytes(12).toString('hex')}`;
  #sequence = 0;
  #stdout = '';
  #stderr = '';
  #pending: Pending | undefined;
  #endReason: string | undefined;
  #notInstalled = false;
  readonly #ended: Promise<void>;
  #markEnded!: () => void;

  constructor(options: VirshSessionOptions) {
    this.uri = options.uri;
    this.#program = options.program ?? 'virsh';
    this.#defaultTimeoutMs = options.timeoutMs;
    this.#ended = new Promise((resolve) => {
      this.#markEnded = resolve;
    });
    this.#child = spawn(this.#program, ['-c', options.uri, '-q'], {
      // INPUTRC: no host readline configuration may rebind keys on our input. COLUMNS: readline's echo of a
      // long line then needs no horizontal scrolling (the echo is discarded, this only saves redrawing).
      env: { ...commandEnv(), INPUTRC: '/dev/null', TERM: 'dumb', COLUMNS: '100000' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.stdout.setEncoding('utf8');
    this.#child.stderr.setEncoding('utf8');
    this.#child.stdout.on('data', (chunk: string) => {
      this.#stdout += chunk;
      this.#settle();
    });
    this.#child.stderr.on('data', (chunk: string) => {
      this.#stderr += chunk;
      this.#settle();
    });
    // Writing to a virsh that just died raises EPIPE here; the exit handlers below report it.
    this.#child.stdin.on('error', () => {});
    this.#child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') this.#notInstalled = true;
      this.#end(err.code === 'ENOENT' ? `${this.#program}: command not found` : err.message);
    });
    // 'close' waits for stdio to close, which a grandchild holding stderr (an ssh ControlMaster started by a
    // qemu+ssh connection) can delay forever; so 'exit' also ends the session, after output already read.
    this.#child.on('exit', (code, signal) => {
      const why = signal ? `killed by ${signal}` : `exit code ${code}`;
      setTimeout(() => this.#end(why), 20).unref();
    });
    this.#child.on('close', (code, signal) =>
      this.#end(signal ? `killed by ${signal}` : `exit code ${code}`),
    );
    this.#setRef(false);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Whether a command is in flight (a session runs one at a time). */
  get busy(): boolean {
    return this.#pending !== undefined;
  }

  /** Why the session ended; undefined while it runs. An ended session is never used again. */
  get endReason(): string | undefined {
    return this.#endReason;
  }

  /**
   * Runs one command (arguments after `virsh -c URI -q`). Resolves with its stdout and stderr; rejects with a
   * CommandFailure when virsh reports an error, when the session ends before answering (the failure's text then
   * says so, and error-mapping.ts reads it as HypervisorUnreachable), or on timeout (the session is killed).
   * Arguments must pass isSessionSafe; one command at a time.
   */
  run(args: readonly string[], timeoutMs = this.#defaultTimeoutMs): Promise<CommandResult> {
    if (this.#pending) throw new Error('virsh session: a command is already in flight');
    if (!args.every(isSessionSafe)) {
      throw new Error('virsh session: an argument holds characters a command line cannot carry');
    }
    if (this.#endReason !== undefined) return Promise.reject(this.#endedFailure(args, ''));
    const id = `${this.#marker}x${++this.#sequence}`;
    const start = `${id}s`;
    const end = `${id}e`;
    const line = [
      `echo --err ${split(start)}`,
      `echo ${split(start)}`,
      commandLine(args),
      `echo --err ${split(end)}`,
      `echo ${split(end)}`,
    ].join('; ');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#timeout(), timeoutMs);
      this.#pending = { args, start, end, timeoutMs, timer, resolve, reject };
      this.#setRef(true);
      this.#child.stdin.write(`${line}\n`);
    });
  }

  /** Ends the session: EOF on its input (virsh exits), killed if it has not exited after a grace period. */
  async close(): Promise<void> {
    if (this.#endReason === undefined) {
      // Whoever awaits close() waits for the exit: keep the event loop alive until then.
      this.#setRef(true);
      this.#child.stdin.end();
      const kill = setTimeout(() => this.kill(), CLOSE_GRACE_MS);
      kill.unref();
      await this.#ended;
      clearTimeout(kill);
    }
  }

  /** Kills the process at once; a command in flight fails as `session ended`. */
  kill(): void {
    if (this.#endReason === undefined) this.#child.kill('SIGKILL');
  }

  /** Resolves once the session has ended (process gone or never started). */
  ended(): Promise<void> {
    return this.#ended;
  }

  #settle(): void {
    const pending = this.#pending;
    if (!pending) {
      // Idle output is readline's prompt; keep only the tail of stderr in case the session then dies.
      this.#stdout = '';
      if (this.#stderr.length > IDLE_STDERR_KEEP) this.#stderr = this.#stderr.slice(-IDLE_STDERR_KEEP);
      return;
    }
    if (this.#stdout.length + this.#stderr.length > MAX_OUTPUT) {
      this.#finish(
        pending,
        this.#failure(
          pending.args,
          `error: more than ${MAX_OUTPUT} bytes of output; the session was killed\n`,
        ),
      );
      this.kill();
      return;
    }
    const out = between(this.#stdout, pending.start, pending.end);
    const err = between(this.#stderr, `error: ${pending.start}\n`, `error: ${pending.end}\n`);
    if (!out || !err) return;
    this.#stdout = this.#stdout.slice(out.after);
    this.#stderr = this.#stderr.slice(err.after);
    const stderr = err.text;
    if (/^error:/m.test(stderr)) this.#finish(pending, this.#failure(pending.args, stderr));
    else this.#finish(pending, { stdout: out.text, stderr });
  }

  #finish(pending: Pending, outcome: CommandResult | CommandFailure): void {
    clearTimeout(pending.timer);
    this.#pending = undefined;
    this.#setRef(false);
    if (outcome instanceof CommandFailure) pending.reject(outcome);
    else pending.resolve(outcome);
  }

  #timeout(): void {
    const pending = this.#pending;
    if (!pending) return;
    const partial = this.#partialStderr(pending);
    this.#finish(
      pending,
      this.#failure(
        pending.args,
        `${partial}error: no answer within ${pending.timeoutMs} ms; the virsh session was killed\n`,
        { timedOut: true },
      ),
    );
    this.kill();
  }

  #end(reason: string): void {
    if (this.#endReason !== undefined) return;
    this.#endReason = reason;
    const pending = this.#pending;
    if (pending) this.#finish(pending, this.#endedFailure(pending.args, this.#partialStderr(pending)));
    this.#setRef(false);
    this.#markEnded();
  }

  #endedFailure(args: readonly string[], partial: string): CommandFailure {
    return this.#failure(
      args,
      `${partial}error: virsh session ended (${this.#endReason}) before answering\n`,
      this.#notInstalled ? { notInstalled: true } : {},
    );
  }

  /** stderr so far for the command in flight (start-up errors included), without the framing lines. */
  #partialStderr(pending: Pending): string {
    return this.#stderr
      .split('\n')
      .filter((l) => l !== `error: ${pending.start}` && l !== `error: ${pending.end}`)
      .filter((l) => l.trim() !== '')
      .map((l) => `${l}\n`)
      .join('');
  }

  #failure(
    args: readonly string[],
    stderr: string,
    flags: { timedOut?: boolean; notInstalled?: boolean } = {},
  ): CommandFailure {
    return new CommandFailure(this.#program, ['-c', this.uri, '-q', ...args], { stderr, ...flags });
  }

  /** A busy session keeps Node's event loop alive (its caller awaits it); an idle one must not. */
  #setRef(on: boolean): void {
    for (const handle of [this.#child, this.#child.stdin, this.#child.stdout, this.#child.stderr]) {
      const h = handle as unknown as { ref?(): void; unref?(): void };
      if (on) h.ref?.();
      else h.unref?.();
    }
  }
}

/** The marker as virsh input that virsh prints as the marker, while readline's echo of the line does not. */
function split(marker: string): string {
  return `${marker.slice(0, 3)}''${marker.slice(3)}`;
}

/** The text between the first `open` and the following `close`, and the offset after `close`. */
function between(text: string, open: string, close: string): { text: string; after: number } | undefined {
  const from = text.indexOf(open);
  if (from < 0) return undefined;
  const to = text.indexOf(close, from + open.length);
  if (to < 0) return undefined;
  return { text: text.slice(from + open.length, to), after: to + close.length };
}
