// A few VirshSessions for one URI, started on demand and closed when idle, so a slow read on one domain (a
// QEMU monitor that does not answer) does not hold up reads on others. A session that timed out, ended, or
// lost its libvirt connection is dropped and the next read starts a fresh one: the failed read reports it
// (OperationTimeout / HypervisorUnreachable, both retryable) and is not retried here.

import { CommandFailure, type CommandResult } from './command-runner.ts';
import { isConnectionLost } from './error-mapping.ts';
import { VirshSession } from './virsh-session.ts';

export interface VirshSessionPoolOptions {
  uri: string;
  timeoutMs: number;
  /** At most this many sessions (so this many reads in parallel); more reads wait for a free one. */
  maxSessions: number;
  /** An idle session is closed after this long. */
  idleMs: number;
  program?: string;
}

/** What the pool did, for tests and benchmarks (a debug counter: how many reads went through sessions). */
export interface VirshSessionStats {
  sessionsStarted: number;
  commands: number;
  open: number;
}

export class VirshSessionPool {
  readonly #options: VirshSessionPoolOptions;
  readonly #sessions = new Set<VirshSession>();
  readonly #idle = new Map<VirshSession, NodeJS.Timeout>();
  readonly #waiting: Array<{ resolve(session: VirshSession): void; reject(err: Error): void }> = [];
  #closed = false;
  #sessionsStarted = 0;
  #commands = 0;

  constructor(options: VirshSessionPoolOptions) {
    if (options.maxSessions < 1) throw new Error('VirshSessionPool: maxSessions must be at least 1');
    this.#options = options;
  }

  get stats(): VirshSessionStats {
    return { sessionsStarted: this.#sessionsStarted, commands: this.#commands, open: this.#sessions.size };
  }

  /** Process ids of the running sessions (tests kill one to prove recovery). */
  pids(): number[] {
    return [...this.#sessions].flatMap((s) => (s.pid === undefined ? [] : [s.pid]));
  }

  async run(args: readonly string[]): Promise<CommandResult> {
    const session = await this.#acquire();
    this.#commands++;
    let discard = false;
    try {
      return await session.run(args);
    } catch (err) {
      // A timed-out session is being killed; one whose connection broke would reconnect by itself on the next
      // command and report `Reconnected to the hypervisor` as an error. A fresh session is simpler for both.
      discard = err instanceof CommandFailure && (err.timedOut || isConnectionLost(err.errorText));
      throw err;
    } finally {
      this.#release(session, discard);
    }
  }

  /** Closes every session (a read in flight still gets its answer); reads waiting or after this fail. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(new Error('virsh session pool is closed'));
    for (const timer of this.#idle.values()) clearTimeout(timer);
    this.#idle.clear();
    const sessions = [...this.#sessions];
    this.#sessions.clear();
    await Promise.all(sessions.map((s) => s.close()));
  }

  #acquire(): Promise<VirshSession> {
    if (this.#closed) return Promise.reject(new Error('virsh session pool is closed'));
    // The most recently used idle session first: sessions beyond what the load needs then stay idle and close.
    for (const session of [...this.#idle.keys()].reverse()) {
      clearTimeout(this.#idle.get(session));
      this.#idle.delete(session);
      if (session.endReason === undefined) return Promise.resolve(session);
      this.#sessions.delete(session);
    }
    if (this.#sessions.size < this.#options.maxSessions) return Promise.resolve(this.#start());
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  #release(session: VirshSession, discard: boolean): void {
    if (this.#closed) {
      void session.close();
      return;
    }
    const next = this.#waiting.shift();
    if (discard || session.endReason !== undefined) {
      this.#sessions.delete(session);
      session.kill();
      if (next) next.resolve(this.#start());
      return;
    }
    if (next) {
      next.resolve(session);
      return;
    }
    const timer = setTimeout(() => {
      this.#idle.delete(session);
      this.#sessions.delete(session);
      void session.close();
    }, this.#options.idleMs);
    timer.unref();
    this.#idle.set(session, timer);
  }

  #start(): VirshSession {
    const session = new VirshSession({
      uri: this.#options.uri,
      timeoutMs: this.#options.timeoutMs,
      ...(this.#options.program ? { program: this.#options.program } : {}),
    });
    this.#sessionsStarted++;
    this.#sessions.add(session);
    // A session that dies while idle (virsh killed, daemon gone) is dropped at once, not when next picked.
    void session.ended().then(() => {
      const timer = this.#idle.get(session);
      if (timer) {
        clearTimeout(timer);
        this.#idle.delete(session);
        this.#sessions.delete(session);
      }
    });
    return session;
  }
}
