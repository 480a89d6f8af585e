// `vmsnap operator` as a process: flags, and a real run against the embedded control plane and this machine's
// libvirt, stopped by SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HYPERVISORS } from '../../src/controllers/shared/resources.ts';
import { KubeClient } from '../../src/runtime/kube-client.ts';
import { kubeConfigFor } from '../support/client-node.ts';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { libvirtAvailable, TEST_URI } from '../support/libvirt/test-domain.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'vmsnap.ts');

function vmsnap(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exit, stdout: () => stdout, stderr: () => stderr };
}

describe('vmsnap operator flags', () => {
  it('prints help and rejects bad flags with exit code 2 naming the flag', async () => {
    const help = vmsnap(['operator', '--help']);
    expect(await help.exit).toBe(0);
    expect(help.stdout()).toContain('--kubeconfig');
    const bad = vmsnap(['operator', '--workers', 'many']);
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toContain('--workers many');
  });
});

const hasLibvirt = await libvirtAvailable();

describe.skipIf(!hasLibvirt)('vmsnap operator against a control plane and local libvirt', () => {
  let controlPlane: TestControlPlane;
  let client: KubeClient;

  beforeAll(async () => {
    controlPlane = await startTestControlPlane();
    client = new KubeClient(kubeConfigFor(controlPlane), { fieldManager: 'test' });
  });

  afterAll(async () => {
    await controlPlane?.stop();
  });

  it('installs the CRDs, probes a Hypervisor until Ready, and exits 0 on SIGTERM', async () => {
    const run = vmsnap([
      'operator',
      '--kubeconfig',
      controlPlane.kubeconfigPath,
      '--install-crds',
      '--workers',
      '2',
      // Loopback and a free port: the default 0.0.0.0:8080 would collide between parallel test files.
      '--health-bind-address',
      '127.0.0.1:0',
    ]);
    try {
      await expect
        .poll(
          async () =>
            client
              .create(HYPERVISORS, {
                apiVersion: 'vmsnap.io/v1alpha1',
                kind: 'Hypervisor',
                metadata: { name: 'local' },
                spec: { driver: 'libvirt', uri: TEST_URI },
              })
              .then(() => true)
              .catch(() => false),
          { timeout: 30_000, interval: 200 },
        )
        .toBe(true);
      await expect
        .poll(
          async () => {
            const hv = await client.get<{
              metadata: object;
              status?: { version?: string; conditions?: Array<{ type: string; status: string }> };
            }>(HYPERVISORS, { name: 'local' });
            return (
              hv.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && hv.status.version
            );
          },
          { timeout: 30_000, interval: 200 },
        )
        .toMatch(/libvirt/);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exit).toBe(0);
  });
});
