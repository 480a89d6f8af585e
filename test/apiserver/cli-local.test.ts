import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsRequest } from '../support/https.ts';
import { makeTempDir, removeTempDir } from '../support/temp-dir.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'vmsnap.ts');

function vmsnap(args: string[], cwd: string) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
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

describe('vmsnap local', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('cli');
  });
  afterAll(() => removeTempDir(dir));

  it('serves until SIGTERM, printing the kubeconfig and an export hint, then exits 0', async () => {
    const run = vmsnap(['local', '--port', '0', '--data-dir', 'state'], dir);
    await new Promise<void>((resolve, reject) => {
      run.child.stdout.on('data', () => {
        if (run.stdout().includes('export KUBECONFIG=')) resolve();
      });
      run.exit.then((code) => reject(new Error(`exited ${code}: ${run.stderr()}`)));
    });
    const kubeconfigPath = join(dir, 'state', 'kubeconfig');
    expect(run.stdout()).toContain(`kubeconfig: ${kubeconfigPath}\n`);
    expect(run.stdout()).toContain(`export KUBECONFIG=${kubeconfigPath}\n`);
    const url = /serving at (https:\/\/\S+)/.exec(run.stdout())?.[1] ?? '';
    const caCertPem = await readFile(join(dir, 'state', 'pki', 'ca.crt'), 'utf8');
    expect((await httpsRequest({ url, caCertPem }, '/healthz')).status).toBe(200);

    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    await expect(httpsRequest({ url, caCertPem }, '/healthz')).rejects.toThrow();
  });

  it('rejects unknown flags and non-loopback hosts with exit code 2 and a clear message', async () => {
    const unknown = vmsnap(['local', '--colour'], dir);
    expect(await unknown.exit).toBe(2);
    expect(unknown.stderr()).toContain("Unknown option '--colour'");

    const remote = vmsnap(['local', '--host', '0.0.0.0'], dir);
    expect(await remote.exit).toBe(2);
    expect(remote.stderr()).toContain('--allow-remote');

    const badPort = vmsnap(['local', '--port', '70000'], dir);
    expect(await badPort.exit).toBe(2);
    expect(badPort.stderr()).toContain('--port');
  });

  it('prints help', async () => {
    const help = vmsnap(['local', '--help'], dir);
    expect(await help.exit).toBe(0);
    expect(help.stdout()).toContain('--data-dir');
  });
});
