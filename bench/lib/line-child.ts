import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A child process speaking one JSON line per request on stdin/stdout (see operator-sim-child.ts). */
export interface LineChild {
  pid: number;
  /** The first line the child printed (its handshake), parsed. */
  handshake: unknown;
  /** Writes `command` and resolves with the next line, parsed. */
  request<T>(command: string, timeoutMs?: number): Promise<T>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `node ...args` (stderr inherited) and resolves once it printed its handshake line. */
export async function startLineChild(args: string[], startTimeoutMs = 120_000): Promise<LineChild> {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(`exited (${code ?? signal})`)),
  );
  const waiting: Array<(line: string) => void> = [];
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.(line));
  const nextLine = (what: string, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${args[args.length - 2]}: no ${what}`)), timeoutMs);
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
      exited.then((how) => reject(new Error(`child ${how} before its ${what}`)));
    });
  let handshake: unknown;
  try {
    handshake = JSON.parse(await nextLine('handshake', startTimeoutMs));
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  if (child.pid === undefined) throw new Error('child has no pid');
  return {
    pid: child.pid,
    handshake,
    async request<T>(command: string, timeoutMs = 30_000) {
      const reply = nextLine(`answer to ${command}`, timeoutMs);
      child.stdin.write(`${command}\n`);
      return JSON.parse(await reply) as T;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
