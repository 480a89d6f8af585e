// End to end: the snapshot tree. The control plane and operator started the way `vmsnap local` starts them, a
// real libvirt domain, real kubectl (1.33) running the real `kubectl-vmsnap` plugin found on PATH: three
// VMSnapshots in a chain and one snapshot taken by hand with virsh (foreign); deleting the middle VMSnapshot
// re-attaches its child in status, on the hypervisor and in `kubectl vmsnap tree`.
import { execFile } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAddon } from '../../src/cli/addons.ts';
import { kubeConfigFor } from '../support/client-node.ts';
import type { TestControlPlane } from '../support/control-plane.ts';
import { findKubectl } from '../support/kubectl.ts';
import {
  createTestDomain,
  libvirtAvailable,
  sweepStaleTestDomains,
  type TestDomain,
  virsh,
} from '../support/libvirt/test-domain.ts';
import { makeTempDir, removeTempDir } from '../support/temp-dir.ts';
import { manifest, SNAPSHOTS, startLocalOperator, VMS } from './kubectl-operator.ts';

const hasLibvirt = await libvirtAvailable();
const kubectlBinary = findKubectl('1.33');
const PLUGIN = join(import.meta.dirname, '..', '..', 'bin', 'kubectl-vmsnap.ts');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe.skipIf(!hasLibvirt || !kubectlBinary)(
  'the snapshot tree on real libvirt, with kubectl vmsnap tree',
  () => {
    let controlPlane: TestControlPlane;
    let operator: RunningAddon;
    let domain: TestDomain;
    let scratch: string;
    let env: NodeJS.ProcessEnv;

    /** kubectl as a user runs it: KUBECONFIG set, the plugin installed on PATH as `kubectl-vmsnap`. */
    async function kubectl(args: readonly string[], input?: string): Promise<Result> {
      const child = execFile(kubectlBinary!, [...args], { env, timeout: 60_000 });
      if (input !== undefined) child.stdin?.end(input);
      else child.stdin?.end();
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr?.on('data', (chunk: string) => {
        stderr += chunk;
      });
      const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? -1)));
      return { code, stdout, stderr };
    }

    async function kubectlOk(args: readonly string[], input?: string): Promise<string> {
      const result = await kubectl(args, input);
      if (result.code !== 0) {
        throw new Error(`kubectl ${args.join(' ')} exited ${result.code}\n${result.stderr}${result.stdout}`);
      }
      return result.stdout;
    }

    async function takeSnapshot(name: string): Promise<void> {
      await kubectlOk(['apply', '-f', '-'], manifest('VMSnapshot', name, { vmName: 'tree-vm' }));
      await kubectlOk(['wait', '--for=condition=Ready', `${SNAPSHOTS}/${name}`, '--timeout=120s']);
      // The next snapshot's parent is the VM's currentSnapshot: wait until this one is it.
      await kubectlOk([
        'wait',
        `--for=jsonpath={.status.currentSnapshot}=${name}`,
        `${VMS}/tree-vm`,
        '--timeout=60s',
      ]);
    }

    /** `kubectl vmsnap tree` until its output is `expected` (the operator refreshes the VM status tree shortly). */
    async function treeBecomes(expected: string, args: readonly string[] = []): Promise<string> {
      const deadline = Date.now() + 60_000;
      let last: Result | undefined;
      while (Date.now() < deadline) {
        last = await kubectl(['vmsnap', 'tree', 'tree-vm', ...args]);
        if (last.code === 0 && last.stdout === expected) return last.stdout;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      throw new Error(`kubectl vmsnap tree never printed\n${expected}\nlast: ${JSON.stringify(last)}`);
    }

    beforeAll(async () => {
      await sweepStaleTestDomains();
      domain = await createTestDomain({ label: 'tree' });
      ({ controlPlane, operator } = await startLocalOperator());

      // What `npm install` does with package.json "bin": a `kubectl-vmsnap` executable on PATH. Node 24 (the one
      // running the tests) first on PATH, as the plugin's `#!/usr/bin/env node` needs it.
      scratch = await makeTempDir('kubectl-plugin');
      await symlink(PLUGIN, join(scratch, 'kubectl-vmsnap'));
      env = {
        PATH: [scratch, dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
        HOME: scratch,
        KUBECONFIG: controlPlane.kubeconfigPath,
        KUBECACHEDIR: join(scratch, 'cache'),
      };

      await kubectlOk(
        ['apply', '-f', '-'],
        manifest('Hypervisor', 'kvm-tree', { driver: 'libvirt', uri: domain.uri }),
      );
      await kubectlOk(['wait', '--for=condition=Ready', 'hypervisors.vmsnap.io/kvm-tree', '--timeout=60s']);
      await kubectlOk(
        ['apply', '-f', '-'],
        manifest('VirtualMachine', 'tree-vm', { hypervisorName: 'kvm-tree', domain: domain.name }),
      );
      await kubectlOk(['wait', '--for=condition=Ready', `${VMS}/tree-vm`, '--timeout=60s']);
    });

    afterAll(async () => {
      await operator?.stop();
      await controlPlane?.stop();
      await domain?.remove();
      if (scratch) await removeTempDir(scratch);
    });

    it('prints a chain of three VMSnapshots and a foreign snapshot, then re-parents when the middle one is deleted', async () => {
      for (const name of ['snap-1', 'snap-2', 'snap-3']) await takeSnapshot(name);
      // Taken by hand: a child of snap-3 on the hypervisor, and now the domain's current snapshot.
      await virsh(['snapshot-create-as', domain.name, 'by-hand', '--description', 'taken with virsh']);

      const parentColumn = await kubectlOk([
        'get',
        SNAPSHOTS,
        '-o',
        'custom-columns=NAME:.metadata.name,PARENT:.status.parent',
        '--no-headers',
      ]);
      const parents = parentColumn
        .split('\n')
        .filter(Boolean)
        .map((line) => line.trim().split(/\s+/))
        .map(([name, parent]) => [name, parent === undefined || parent === '<none>' ? '' : parent]);
      expect(parents).toEqual([
        ['snap-1', ''],
        ['snap-2', 'snap-1'],
        ['snap-3', 'snap-2'],
      ]);
      const table = await kubectlOk(['get', SNAPSHOTS, 'snap-3']);
      expect(table.split('\n')[0]).toMatch(/^NAME\s+VM\s+PHASE\s+PARENT\s+MEMORY\s+READY\s+AGE/);
      expect(table.split('\n')[1]).toMatch(/^snap-3\s+tree-vm\s+Ready\s+snap-2\s/);

      await kubectlOk(['delete', `${SNAPSHOTS}/snap-2`, '--timeout=120s']);

      // The child re-attached in status and on the hypervisor.
      expect(
        (await kubectlOk(['get', `${SNAPSHOTS}/snap-3`, '-o', 'jsonpath={.status.parent}'])).trim(),
      ).toBe('snap-1');
      const snap3Name = (
        await kubectlOk(['get', `${SNAPSHOTS}/snap-3`, '-o', 'jsonpath={.status.snapshotName}'])
      ).trim();
      const snap1Name = (
        await kubectlOk(['get', `${SNAPSHOTS}/snap-1`, '-o', 'jsonpath={.status.snapshotName}'])
      ).trim();
      expect((await virsh(['snapshot-parent', domain.name, snap3Name])).trim()).toBe(snap1Name);
      const table3 = await kubectlOk(['get', SNAPSHOTS, 'snap-3', '--no-headers']);
      expect(table3).toMatch(/^snap-3\s+tree-vm\s+Ready\s+snap-1\s/);

      // The tree, drawn the way `virsh snapshot-list --tree` draws it, the current (foreign) one marked.
      const expected = [
        'snap-1',
        '  |',
        '  +- snap-3',
        '      |',
        '      +- by-hand (current) [foreign]',
        '',
        '',
      ].join('\n');
      await treeBecomes(expected);
      // -n and the namespace flag spelled the other ways give the same answer.
      expect((await kubectl(['vmsnap', 'tree', 'tree-vm', '-n', 'default'])).stdout).toBe(expected);
      expect((await kubectl(['vmsnap', 'tree', '--namespace=default', 'tree-vm'])).stdout).toBe(expected);
    });

    it('fails clearly (exit 1, one line saying what) for a missing VM, namespace, context or server', async () => {
      const missingVm = await kubectl(['vmsnap', 'tree', 'no-such-vm']);
      expect(missingVm.code).toBe(1);
      expect(missingVm.stderr).toContain('VirtualMachine "no-such-vm" in namespace "default" not found');

      const missingNamespace = await kubectl(['vmsnap', 'tree', 'tree-vm', '-n', 'no-such-namespace']);
      expect(missingNamespace.code).toBe(1);
      expect(missingNamespace.stderr).toContain('namespace "no-such-namespace" not found');

      // A second context whose namespace is elsewhere, and one whose server does not answer.
      const kc = kubeConfigFor(controlPlane);
      const current = kc.getContextObject(kc.getCurrentContext())!;
      kc.addContext({ name: 'elsewhere', cluster: current.cluster, user: current.user, namespace: 'team-b' });
      kc.addCluster({ name: 'down', server: 'https://127.0.0.1:1', skipTLSVerify: true });
      kc.addContext({ name: 'down', cluster: 'down', user: current.user });
      const kubeconfig = join(scratch, 'kubeconfig-extra');
      await writeFile(kubeconfig, kc.exportConfig());
      const treeInContext = (context: string, ...extra: string[]) =>
        kubectl(['vmsnap', 'tree', 'tree-vm', '--kubeconfig', kubeconfig, '--context', context, ...extra]);

      const viaContext = await treeInContext('elsewhere');
      expect(viaContext.code).toBe(1);
      expect(viaContext.stderr).toContain('namespace "team-b" not found');
      const overridden = await treeInContext('elsewhere', '-n', 'default');
      expect(overridden.code).toBe(0);
      expect(overridden.stdout).toContain('[foreign]');

      const unknownContext = await treeInContext('nope');
      expect(unknownContext.code).toBe(1);
      expect(unknownContext.stderr).toContain('context "nope" not found');

      const down = await treeInContext('down');
      expect(down.code).toBe(1);
      expect(down.stderr).toContain('cannot reach the API server at https://127.0.0.1:1');

      const help = await kubectl(['vmsnap', '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage: kubectl vmsnap tree VM');
    });
  },
);
