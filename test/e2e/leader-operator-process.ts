// The real `vmsnap operator` process for end-to-end tests of leader election, metrics, health and shutdown:
// spawned with a loopback health server on a free port, its JSON logs kept so a test can read what it did.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { eventually } from '../support/client-node.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'vmsnap.ts');

/**
 * Shorter leader election timings than the defaults (15 s / 10 s / 2 s), so a takeover after kill -9 happens
 * within seconds. Not much shorter: a cold process's first Lease request can take seconds on a loaded machine,
 * and the renew deadline counts from its start.
 */
export const FAST_LEADER_ELECTION = [
  '--leader-elect',
  '--leader-elect-lease-duration=8s',
  '--leader-elect-renew-deadline=6s',
  '--leader-elect-retry-period=1s',
];

export interface OperatorProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves once the process exited: its exit code, or the signal that killed it. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every JSON log line so far, parsed. */
  logs(): Array<Record<string, unknown>>;
  stderr(): string;
  /** http://127.0.0.1:PORT of its /metrics, /healthz and /readyz, once it serves them. */
  healthUrl(): Promise<string>;
  /** SIGKILL if still running; waits for the exit. */
  kill(): Promise<void>;
}

/** Extra flags after the defaults, and the environment (default: this process's). */
export interface OperatorProcessOptions {
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

export function startOperatorProcess(
  kubeconfigPath: string,
  options: OperatorProcessOptions = {},
): OperatorProcess {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'operator',
      '--kubeconfig',
      kubeconfigPath,
      '--workers',
      '2',
      '--health-bind-address',
      '127.0.0.1:0',
      ...(options.args ?? []),
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...(options.env ?? process.env), VMSNAP_LOG_LEVEL: process.env.VMSNAP_TEST_LOG ?? 'info' },
    },
  );
  if (child.pid === undefined) throw new Error('could not start the operator process');
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exit = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const logs = () =>
    stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    pid: child.pid,
    exit,
    logs,
    stderr: () => stderr,
    healthUrl: async () => {
      const line = await eventually(
        () => {
          if (!running()) throw new Error(`the operator exited before serving health:\n${stderr}`);
          return logs().find((l) => l.msg === 'serving /metrics, /healthz and /readyz');
        },
        'the operator to serve /metrics',
        30_000,
      );
      return `http://127.0.0.1:${line.port as number}`;
    },
    kill: async () => {
      if (running()) child.kill('SIGKILL');
      await exit;
    },
  };
}

/** GET /readyz answered 200. */
export async function isReady(healthUrl: string): Promise<boolean> {
  const response = await fetch(`${healthUrl}/readyz`);
  await response.text();
  return response.status === 200;
}

/** Whether a process with this pid still runs (a stray virsh left behind by a killed operator, say). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL to a pid that may already be gone (then nothing happens). */
export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
