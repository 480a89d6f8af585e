import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'vmsnap.ts');

/** `vmsnap operator` as its own process, the way it runs in production (beside, not inside, the API server). */
export interface OperatorProcess {
  pid: number;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `node bin/vmsnap.ts operator --kubeconfig PATH --install-crds`; its logs (warn and above unless
 * VMSNAP_LOG_LEVEL says otherwise) go to this process's stderr. `env` replaces the environment (e.g. a PATH
 * with a recording virsh first).
 */
export function startOperatorProcess(
  kubeconfigPath: string,
  options: { env?: NodeJS.ProcessEnv; workers?: number } = {},
): OperatorProcess {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      BIN,
      'operator',
      '--kubeconfig',
      kubeconfigPath,
      '--install-crds',
      '--workers',
      String(options.workers ?? 4),
      '--health-bind-address',
      '127.0.0.1:0',
    ],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { VMSNAP_LOG_LEVEL: 'warn', ...(options.env ?? process.env) },
    },
  );
  const exited = once(child, 'exit');
  if (child.pid === undefined) throw new Error('could not start the operator process');
  return {
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
