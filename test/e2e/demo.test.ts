// The newcomer's first command, end to end as a process: `vmsnap demo` on a temp data dir and a free port, on
// this machine's libvirt. It must end with a Ready VMSnapshot whose libvirt snapshot exists, be safe to run
// again, and `--cleanup` must leave nothing behind.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiObject, VM_SNAPSHOTS } from '../../src/controllers/shared/resources.ts';
import { imagesDir } from '../../src/demo/demo-domain.ts';
import { KubeClient } from '../../src/runtime/kube-client.ts';
import {
  libvirtAvailable,
  removeDomain,
  sweepStaleTestDomains,
  TEST_DOMAIN_PREFIX,
  virsh,
} from '../support/libvirt/test-domain.ts';
import { makeTempDir, removeTempDir } from '../support/temp-dir.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'vmsnap.ts');
const hasLibvirt = await libvirtAvailable();

interface Run {
  exit: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** Resolves with stdout once it matches; rejects if the process exits first or after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<number | null>;
}

function vmsnap(args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return {
    exit,
    stdout: () => stdout,
    stderr: () => stderr,
    async waitFor(pattern, timeoutMs = 180_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stdout)) {
        if (child.exitCode !== null) {
          throw new Error(`vmsnap ${args.join(' ')} exited ${child.exitCode}:\n${stdout}\n${stderr}`);
        }
        if (Date.now() > deadline) throw new Error(`no ${pattern} in time:\n${stdout}\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return stdout;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exit;
    },
  };
}

async function snapshotNames(domain: string): Promise<string[]> {
  return (await virsh(['snapshot-list', '--domain', domain, '--name']))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

describe('vmsnap demo without libvirt', () => {
  it('says what to install and exits 1 before starting anything', async () => {
    const dataDir = await makeTempDir('demo-nolibvirt');
    try {
      // No virsh on PATH: what a fresh machine without libvirt looks like to the demo.
      const run = vmsnap(['demo', '--port', '0', '--data-dir', dataDir], { ...process.env, PATH: '' });
      expect(await run.exit).toBe(1);
      expect(run.stderr()).toContain('libvirt is not installed');
      expect(run.stderr()).toContain('scripts/setup-host.sh');
      expect(existsSync(join(dataDir, 'store.db'))).toBe(false);
    } finally {
      await removeTempDir(dataDir);
    }
  });
});

describe.skipIf(!hasLibvirt)('vmsnap demo on this machine', () => {
  let dataDir: string;
  // The test prefix lets later runs sweep the domain if this run is killed.
  const domain = `${TEST_DOMAIN_PREFIX}${process.pid}-demo-${randomBytes(3).toString('hex')}`;
  const runs: Run[] = [];
  const demoArgs = () => ['demo', '--port', '0', '--data-dir', dataDir, '--domain', domain];

  beforeAll(async () => {
    await sweepStaleTestDomains();
    dataDir = await makeTempDir('demo');
  });

  afterAll(async () => {
    await Promise.all(runs.map((r) => r.stop()));
    await removeDomain(domain);
    await removeTempDir(dataDir);
  });

  async function readySnapshot(): Promise<ApiObject> {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(join(dataDir, 'kubeconfig'));
    const client = new KubeClient(kubeConfig);
    return client.get<ApiObject>(VM_SNAPSHOTS, { namespace: 'default', name: 'before-upgrade' });
  }

  it('goes from nothing to a Ready memory VMSnapshot whose libvirt snapshot exists', async () => {
    const run = vmsnap(demoArgs());
    runs.push(run);
    const out = await run.waitFor(/export KUBECONFIG=/);
    expect(out).toContain(`demo VM ${domain}: defined`);
    expect(out).toMatch(/^before-upgrade\s+web-1\s+Ready\s+true\s+True/m);

    const snapshot = await readySnapshot();
    expect(snapshot.status).toMatchObject({
      phase: 'Ready',
      readyToUse: true,
      memory: true,
      vmPhase: 'Running',
    });
    const snapshotName = String(snapshot.status?.snapshotName);
    expect(snapshotName).toBe(`vs-${snapshot.metadata.uid}`);
    expect(await snapshotNames(domain)).toEqual([snapshotName]);
    expect(await run.stop()).toBe(0);
  });

  it('is idempotent: a second run reuses the VM and the objects and takes no second snapshot', async () => {
    const before = await snapshotNames(domain);
    const run = vmsnap(demoArgs());
    runs.push(run);
    const out = await run.waitFor(/export KUBECONFIG=/);
    expect(out).toContain(`demo VM ${domain}: already running`);
    expect(out).toContain('VMSnapshot before-upgrade: exists, left as is');
    expect(out).toMatch(/^before-upgrade\s+web-1\s+Ready/m);
    expect(await snapshotNames(domain)).toEqual(before);
    expect(await run.stop()).toBe(0);
  });

  it('--cleanup deletes the objects, the libvirt snapshot, the VM and its disk', async () => {
    const run = vmsnap([...demoArgs(), '--cleanup']);
    runs.push(run);
    expect(await run.exit).toBe(0);
    expect(run.stdout()).toContain('VMSnapshot before-upgrade: deleted');
    expect(run.stdout()).toContain(`demo VM ${domain}: removed with its disk`);
    const names = (await virsh(['list', '--all', '--name'])).split('\n').map((l) => l.trim());
    expect(names).not.toContain(domain);
    expect(existsSync(imagesDir(domain))).toBe(false);
  });
});
