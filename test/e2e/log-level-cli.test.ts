// --log-level on `vmsnap local`, `operator` and `demo` (issue 5 item 6): the flag wins over VMSNAP_LOG_LEVEL, which
// wins over the command's default; a bad value from either is a usage error naming where it came from.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDemoOptions } from '../../src/cli/demo.ts';
import { parseLocalOptions, UsageError } from '../../src/cli/local-options.ts';
import { resolveLogLevel } from '../../src/cli/log-level.ts';
import { parseOperatorOptions } from '../../src/cli/operator.ts';
import { makeTempDir, removeTempDir } from '../support/temp-dir.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'vmsnap.ts');

describe('--log-level parsing', () => {
  it('is accepted by local, operator and demo, and absent when not given', () => {
    expect(parseLocalOptions(['--log-level', 'debug'])).toMatchObject({ logLevel: 'debug' });
    expect(parseOperatorOptions(['--log-level=trace'])).toMatchObject({ logLevel: 'trace' });
    expect(parseDemoOptions(['--log-level', 'silent'])).toMatchObject({ local: { logLevel: 'silent' } });
    expect(parseOperatorOptions([])).toMatchObject({ logLevel: undefined });
  });

  it('rejects an unknown level naming the flag and the levels', () => {
    for (const parse of [parseLocalOptions, parseOperatorOptions, parseDemoOptions]) {
      expect(() => parse(['--log-level', 'loud'])).toThrow(UsageError);
      expect(() => parse(['--log-level', 'loud'])).toThrow(
        '--log-level loud: expected one of fatal, error, warn, info, debug, trace, silent',
      );
    }
  });

  it('takes the flag, else VMSNAP_LOG_LEVEL, else the default; a bad environment value is a usage error', () => {
    expect(resolveLogLevel('debug', { VMSNAP_LOG_LEVEL: 'error' }, 'info')).toBe('debug');
    expect(resolveLogLevel(undefined, { VMSNAP_LOG_LEVEL: 'error' }, 'info')).toBe('error');
    expect(resolveLogLevel(undefined, {}, 'warn')).toBe('warn');
    expect(() => resolveLogLevel(undefined, { VMSNAP_LOG_LEVEL: 'verbose' }, 'info')).toThrow(
      'VMSNAP_LOG_LEVEL=verbose: expected one of',
    );
  });
});

function vmsnap(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** The JSON log lines a finished process wrote to stderr. */
function logLines(stderr: string): Array<{ level: number; msg: string }> {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string });
}

describe('vmsnap local --log-level as a process', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('log-level');
  });
  afterAll(() => removeTempDir(dir));

  /** Runs `vmsnap local` until it serves, stops it with SIGTERM and returns its log lines. */
  async function serveAndStop(extraArgs: string[], env: NodeJS.ProcessEnv) {
    const run = vmsnap(['local', '--port', '0', '--data-dir', 'state', ...extraArgs], dir, env);
    await new Promise<void>((resolve, reject) => {
      run.child.stdout.on('data', () => {
        if (run.stdout().includes('export KUBECONFIG=')) resolve();
      });
      run.exit.then((code) => reject(new Error(`exited ${code}: ${run.stderr()}`)));
    });
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    return logLines(run.stderr());
  }

  it('the flag overrides VMSNAP_LOG_LEVEL in both directions', async () => {
    // info lets the shutdown line (info) through although the environment says error...
    const loud = await serveAndStop(['--log-level', 'info'], { ...process.env, VMSNAP_LOG_LEVEL: 'error' });
    expect(loud.some((l) => l.msg === 'shutting down' && l.level === 30)).toBe(true);
    // ...and error keeps every info line out although the environment says info.
    const quiet = await serveAndStop(['--log-level', 'error'], { ...process.env, VMSNAP_LOG_LEVEL: 'info' });
    expect(quiet.filter((l) => l.level < 50)).toEqual([]);
  }, 60_000);

  it('exits 2 on a bad level, from the flag or the environment', async () => {
    const badFlag = vmsnap(['operator', '--log-level', 'loud'], dir, process.env);
    expect(await badFlag.exit).toBe(2);
    expect(badFlag.stderr()).toContain('--log-level loud: expected one of');
    const badEnv = vmsnap(['local', '--port', '0', '--data-dir', 'state'], dir, {
      ...process.env,
      VMSNAP_LOG_LEVEL: 'verbose',
    });
    expect(await badEnv.exit).toBe(2);
    expect(badEnv.stderr()).toContain('VMSNAP_LOG_LEVEL=verbose: expected one of');
  }, 30_000);
});
