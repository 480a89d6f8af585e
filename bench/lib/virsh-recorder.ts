// A recording stand-in for `virsh`, put first on the operator's PATH: each call runs the real virsh and appends
// one JSON line {start, end, args} (epoch ms around the real call) to a log, so a benchmark can say which
// calls the operator makes per snapshot and how long each takes. The stand-in is a node script, so every call
// also pays a node start (~40-60 ms here) that the real call does not: use it for counts and per-call times, not
// for end-to-end figures.
//
// The libvirt driver's reads go through long-lived interactive sessions (`virsh -c URI -q` and commands on
// stdin, src/drivers/libvirt/virsh-session.ts). The stand-in proxies those too (virsh-recorder-session.ts) and
// logs each command of a session as its own call, marked `session: true`; a session pays the node start once.

import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface VirshCall {
  start: number;
  end: number;
  args: string[];
  /** A command of a read session (no process of its own). */
  session?: boolean;
}

export interface VirshRecorder {
  /** The environment routing virsh through the recorder. */
  env: NodeJS.ProcessEnv;
  /** Every call recorded so far, in start order. */
  calls(): Promise<VirshCall[]>;
}

export async function installVirshRecorder(dir: string): Promise<VirshRecorder> {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  const log = join(dir, 'virsh-calls.jsonl');
  await writeFile(log, '');
  const realVirsh = execFileSync('which', ['virsh'], { encoding: 'utf8' }).trim();
  const script = join(bin, 'virsh');
  const sessionProxy = fileURLToPath(new URL('./virsh-recorder-session.ts', import.meta.url));
  // CommonJS: the file has no extension. Output is passed through untouched (stdio inherit).
  await writeFile(
    script,
    `#!${process.execPath}
const { spawnSync } = require('node:child_process');
const { appendFileSync } = require('node:fs');
const args = process.argv.slice(2);
if (args.length === 3 && args[0] === '-c' && args[2] === '-q') {
  import(${JSON.stringify(sessionProxy)}).then((m) => m.proxyVirshSession(${JSON.stringify(realVirsh)}, args, ${JSON.stringify(log)}));
  return;
}
const start = Date.now();
const result = spawnSync(${JSON.stringify(realVirsh)}, args, { stdio: 'inherit' });
appendFileSync(${JSON.stringify(log)}, JSON.stringify({ start, end: Date.now(), args }) + '\\n');
process.exit(result.status ?? 1);
`,
  );
  await chmod(script, 0o755);
  return {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
    async calls() {
      return (await readFile(log, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as VirshCall)
        .sort((a, b) => a.start - b.start);
    },
  };
}
