import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { KubeConfig } from '@kubernetes/client-node';

const CHILD_SCRIPT = join(import.meta.dirname, 'control-plane-child.ts');
const START_TIMEOUT_MS = 60_000;
const MiB = 1024 * 1024;

/** The server's own view of its memory after a full GC, in MiB. */
export interface HeapReport {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/** A control plane serving from a child process: its pid for /proc, a client-node KubeConfig and its CA/token. */
export interface ChildControlPlane {
  url: string;
  pid: number;
  dataDir: string;
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  caCertPem: string;
  token: string;
  /** Asks the server to run a full GC and report process.memoryUsage(). */
  memoryAfterGc(): Promise<HeapReport>;
  /** Stops the server (SIGTERM, waits for exit). Leaves the data dir. */
  stop(): Promise<void>;
}

/** A fresh temp data dir for a benchmark; remove it with removeDataDir. */
export function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'vmsnap-bench-'));
}

export function removeDataDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

interface Handshake {
  url: string;
  kubeconfigPath: string;
  pid: number;
}

/**
 * Starts bench/lib/control-plane-child.ts on `dataDir` with this process's node and resolves once it prints its
 * handshake line. Reusing a data dir restarts on the stored objects (for "RSS after restart").
 */
export async function startChildControlPlane(dataDir: string): Promise<ChildControlPlane> {
  // BENCH_SERVER_CPU_PROF_DIR=dir writes a V8 CPU profile of the server there when it stops (open in Chrome
  // DevTools or speedscope) to see where the server's time per request goes.
  const profileDir = process.env.BENCH_SERVER_CPU_PROF_DIR;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, ['--expose-gc', ...profile, CHILD_SCRIPT, dataDir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(`exited (${code ?? signal})`)),
  );
  // Every stdout line answers the oldest waiting reader: first the handshake, then one per "memory" command.
  const waiting: Array<(line: string) => void> = [];
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.(line));
  const nextLine = (what: string, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the control plane child sent no ${what}`)), timeoutMs);
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
      exited.then((how) => reject(new Error(`the control plane child ${how} before its ${what}`)));
    });

  let handshake: Handshake;
  try {
    handshake = JSON.parse(await nextLine('handshake', START_TIMEOUT_MS)) as Handshake;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(handshake.kubeconfigPath);
  return {
    ...handshake,
    dataDir,
    kubeConfig,
    caCertPem: await readFile(join(dataDir, 'pki', 'ca.crt'), 'utf8'),
    token: (await readFile(join(dataDir, 'token'), 'utf8')).trim(),
    async memoryAfterGc() {
      const reply = nextLine('memory report', 30_000);
      child.stdin.write('memory\n');
      const usage = JSON.parse(await reply) as NodeJS.MemoryUsage & { gcRan: boolean };
      if (!usage.gcRan) throw new Error('the control plane child runs without --expose-gc');
      return {
        rss: usage.rss / MiB,
        heapUsed: usage.heapUsed / MiB,
        heapTotal: usage.heapTotal / MiB,
        external: usage.external / MiB,
      };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
