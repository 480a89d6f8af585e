// govmomi's vSphere simulator (vcsim) for tests: built once from Debian's govmomi sources into a cache dir keyed
// by the main's content (no test pays the ~30 s build twice), then started per test file on a free port with
// its own TLS certificate, which clients are given as their CA (verification is never skipped).

import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MAIN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'vcsim');
const GOPATH = '/usr/share/gocode';
const GOVMOMI_SIMULATOR = join(GOPATH, 'src/github.com/vmware/govmomi/simulator');
const CACHE_DIR = process.env.VMSNAP_VCSIM_CACHE ?? join(tmpdir(), 'vmsnap-vcsim-cache');

export const VCSIM_USER = 'vmsnap-test';
export const VCSIM_PASSWORD = 'S3cret-<&>"pass';

export interface Vcsim {
  /** https://127.0.0.1:PORT/sdk */
  url: string;
  /** The simulator's serving certificate (PEM): the CA clients must verify against. */
  caPem: string;
  username: string;
  password: string;
  /** SOAP requests the simulator served since it started, by method (request_counter.go). */
  requestCounts(): Promise<SoapRequestCounts>;
  /** With `gateSnapshotTasks`: the CreateSnapshot_Tasks the simulator holds (snapshot_gate.go). */
  heldSnapshotTasks(): Promise<SnapshotGateReport>;
  /** With `gateSnapshotTasks`: lets every held CreateSnapshot_Task run to its end. */
  releaseSnapshotTasks(): Promise<void>;
  stop(): Promise<void>;
}

export interface SoapRequestCounts {
  total: number;
  byMethod: Record<string, number>;
}

export interface SnapshotGateReport {
  /** CreateSnapshot_Task calls the gate answered. */
  creates: number;
  held: Array<{ task: string; vm: string; name: string; released: boolean; pollingSessions: number }>;
}

export interface VcsimOptions {
  /** VMs per host and per resource pool (the VPX model has two of each): 2 gives 4 VMs. */
  machines?: number;
  username?: string;
  password?: string;
  /**
   * Answer CreateSnapshot_Task with a task that stays `running` until `releaseSnapshotTasks()`, as a real
   * vSphere task runs after the call returned (vcsim 0.24.2 alone finishes every task inside the call).
   */
  gateSnapshotTasks?: boolean;
}

/** Why vcsim cannot run here, or undefined when it can. */
export async function vcsimUnavailableReason(): Promise<string | undefined> {
  try {
    await run('go', ['version']);
  } catch {
    return 'no `go` on PATH (apt-get install golang-go, see scripts/setup-host.sh)';
  }
  try {
    await access(GOVMOMI_SIMULATOR);
  } catch {
    return `no govmomi sources at ${GOVMOMI_SIMULATOR} (apt-get install golang-github-vmware-govmomi-dev)`;
  }
  return undefined;
}

let built: Promise<string> | undefined;

/** The vcsim binary, built on first use and reused by every later run with the same main.go. */
export function vcsimBinary(): Promise<string> {
  built ??= buildOnce();
  return built;
}

async function buildOnce(): Promise<string> {
  // Keyed by every Go file of the main, so an edit to any of them rebuilds.
  const hash = createHash('sha256');
  for (const file of (await readdir(MAIN_DIR)).filter((f) => f.endsWith('.go')).sort()) {
    hash.update(file).update(await readFile(join(MAIN_DIR, file)));
  }
  const binary = join(CACHE_DIR, `vcsim-${hash.digest('hex').slice(0, 16)}`);
  try {
    await access(binary);
    return binary;
  } catch {
    // not built yet
  }
  await mkdir(CACHE_DIR, { recursive: true });
  // Test files start in parallel processes: one builds (holding a lock file), the others wait for its result
  // instead of compiling the same thing on the same two cores.
  const lock = `${binary}.lock`;
  if (!(await takeLock(lock))) return waitForBinary(binary, lock);
  // The binary is written under another name and renamed into place: readers never see half a file.
  const partial = `${binary}.${process.pid}.partial`;
  try {
    await run('go', ['build', '-o', partial, '.'], {
      cwd: MAIN_DIR,
      env: { ...process.env, GO111MODULE: 'off', GOPATH, GOCACHE: join(CACHE_DIR, 'gocache'), GOFLAGS: '' },
      timeout: 300_000,
    });
    await rename(partial, binary);
  } catch (err) {
    await rm(partial, { force: true });
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`building vcsim failed: ${stderr.trim() || String(err)}`);
  } finally {
    await rm(lock, { force: true });
  }
  return binary;
}

const BUILD_LIMIT_MS = 300_000;

/** true: this process builds. A lock older than the build limit is a crashed builder's and is taken over. */
async function takeLock(lock: string): Promise<boolean> {
  try {
    await writeFile(lock, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    const age =
      Date.now() -
      (await stat(lock).then(
        (s) => s.mtimeMs,
        () => Date.now(),
      ));
    if (age < BUILD_LIMIT_MS) return false;
    await rm(lock, { force: true });
    return takeLock(lock);
  }
}

async function waitForBinary(binary: string, lock: string): Promise<string> {
  const deadline = Date.now() + BUILD_LIMIT_MS;
  while (Date.now() < deadline) {
    try {
      await access(binary);
      return binary;
    } catch {
      // still building
    }
    try {
      await access(lock);
    } catch {
      // The builder finished without a binary (it failed) or was killed: build here.
      built = undefined;
      return vcsimBinary();
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `vcsim build by another process did not finish in ${BUILD_LIMIT_MS / 1000} s (lock ${lock})`,
  );
}

export async function startVcsim(options: VcsimOptions = {}): Promise<Vcsim> {
  const binary = await vcsimBinary();
  const username = options.username ?? VCSIM_USER;
  const password = options.password ?? VCSIM_PASSWORD;
  const dir = join(CACHE_DIR, `run-${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  await mkdir(dir, { recursive: true });
  const certPath = join(dir, 'ca.pem');
  const child = spawn(
    binary,
    [
      '-listen',
      '127.0.0.1:0',
      '-username',
      username,
      '-password',
      password,
      '-cert-out',
      certPath,
      '-machines',
      String(options.machines ?? 2),
      ...(options.gateSnapshotTasks ? ['-gate-snapshot-tasks'] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`vcsim did not start in 30 s: ${stderr}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /^VCSIM_URL=(\S+)$/m.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`vcsim exited with ${code}: ${stderr}`));
    });
  });
  const caPem = await readFile(certPath, 'utf8');
  const control = (method: 'GET' | 'POST', path: string) => controlRequest(url, caPem, method, path);
  return {
    url,
    caPem,
    username,
    password,
    requestCounts: async () => JSON.parse(await control('GET', 'requests')) as SoapRequestCounts,
    heldSnapshotTasks: async () => JSON.parse(await control('GET', 'held')) as SnapshotGateReport,
    releaseSnapshotTasks: async () => {
      await control('POST', 'release');
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A call to the simulator's test-only /vcsim-control/ endpoints, over its verified TLS. */
function controlRequest(
  sdkUrl: string,
  caPem: string,
  method: 'GET' | 'POST',
  path: string,
): Promise<string> {
  const url = new URL(`/vcsim-control/${path}`, sdkUrl);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca: caPem }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(body);
        else reject(new Error(`vcsim ${method} ${url.pathname}: HTTP ${status}: ${body}`));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Skips loudly when vcsim cannot be built here; with CI=true a missing component is a failure, so this throws.
 * Returns true when vcsim can be used.
 */
export async function requireVcsim(suite: string): Promise<boolean> {
  const reason = await vcsimUnavailableReason();
  if (!reason) return true;
  if (process.env.CI === 'true') throw new Error(`${suite}: vcsim is required with CI=true: ${reason}`);
  console.warn(`\n*** SKIPPING ${suite}: ${reason} ***\n`);
  return false;
}
