import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { makeTempDir, removeTempDir } from './temp-dir.ts';

/** The oldest and newest kubectl minors that work against OpenAPI v3 (see kube-api-compat.md). */
export const KUBECTL_VERSIONS = ['1.29', '1.33'] as const;

/**
 * The path of `kubectl.<version>` (beside the real file of the `kubectl` dispatcher), or of the dispatcher
 * itself when `version` is 'dispatcher'. Missing binary: with CI=true this throws (the suite must fail, not skip);
 * locally it returns undefined after a loud warning so the caller can skip.
 */
export function findKubectl(version: string): string | undefined {
  const found = locate(version);
  if (found) return found;
  const message = `kubectl ${version} not found (expected the kubectl dispatcher on PATH with kubectl.<minor> beside it)`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`\n!!! SKIPPING: ${message}\n`);
  return undefined;
}

function locate(version: string): string | undefined {
  const dispatcher = (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'kubectl'))
    .find((candidate) => existsSync(candidate));
  if (!dispatcher) return undefined;
  if (version === 'dispatcher') return dispatcher;
  const versioned = join(dirname(realpathSync(dispatcher)), `kubectl.${version}`);
  return existsSync(versioned) ? versioned : undefined;
}

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin (for `-f -`). */
  input?: string;
  /** Killed after this long (default 30 s); the result then has the output so far. */
  timeoutMs?: number;
}

/** A running kubectl (e.g. `get -w`): read its output while it runs, stop it when done. */
export interface KubectlProcess {
  output(): string;
  running(): boolean;
  /** Resolves with the output once it matches, rejects if the process exits first or after timeoutMs. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when it exits by itself. */
  exited: Promise<KubectlResult>;
  stop(): Promise<KubectlResult>;
}

/**
 * kubectl bound to one kubeconfig with its own fresh discovery cache (KUBECACHEDIR) and HOME, so runs never see
 * each other's cached discovery or a developer's ~/.kube.
 */
export class Kubectl {
  readonly binary: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly scratch: string;

  private constructor(binary: string, kubeconfigPath: string, scratch: string) {
    this.binary = binary;
    this.scratch = scratch;
    this.env = {
      PATH: process.env.PATH,
      HOME: scratch,
      KUBECONFIG: kubeconfigPath,
      KUBECACHEDIR: join(scratch, 'cache'),
    };
  }

  static async create(binary: string, kubeconfigPath: string): Promise<Kubectl> {
    return new Kubectl(binary, kubeconfigPath, await makeTempDir('kubectl'));
  }

  run(args: readonly string[], options: RunOptions = {}): Promise<KubectlResult> {
    const child = this.spawnChild(args);
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
    const running = track(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    return running.exited.finally(() => clearTimeout(timer));
  }

  /** Like run, but rejects (with kubectl's output in the message) unless it exits 0. */
  async ok(args: readonly string[], options: RunOptions = {}): Promise<string> {
    const result = await this.run(args, options);
    if (result.code !== 0) {
      throw new Error(`kubectl ${args.join(' ')} exited ${result.code}\n${result.stderr}${result.stdout}`);
    }
    return result.stdout;
  }

  start(args: readonly string[]): KubectlProcess {
    const child = this.spawnChild(args);
    child.stdin?.end();
    return track(child);
  }

  dispose(): Promise<void> {
    return removeTempDir(this.scratch);
  }

  private spawnChild(args: readonly string[]): ChildProcess {
    return spawn(this.binary, [...args], { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
  }
}

function track(child: ChildProcess): KubectlProcess {
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of waiters) waiter();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<KubectlResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      for (const waiter of waiters) waiter();
      resolve({ code, stdout, stderr });
    });
  });
  return {
    output: () => stdout,
    running: () => child.exitCode === null && child.signalCode === null,
    exited,
    waitForOutput(pattern, timeoutMs = 20_000) {
      return new Promise<string>((resolve, reject) => {
        const check = () => {
          if (pattern.test(stdout)) {
            cleanup();
            resolve(stdout);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(new Error(`kubectl exited before printing ${pattern}:\n${stdout}\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`kubectl did not print ${pattern} within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
