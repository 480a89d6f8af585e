// The recording stand-in's interactive half (see virsh-recorder.ts): the driver's read sessions start
// `virsh -c URI -q` with no command and write one framed command per line (src/drivers/libvirt/virsh-session.ts:
// `echo --err S; echo S; COMMAND; echo --err E; echo E`). This proxies such a session to the real virsh and
// logs each COMMAND as one call, from the line being written to its end marker E appearing on stdout.

import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { splitCommandLine } from '../../src/drivers/libvirt/virsh-command-line.ts';

interface InFlight {
  start: number;
  args: string[];
  endMarker: string;
}

export function proxyVirshSession(realVirsh: string, args: string[], log: string): void {
  const child = spawn(realVirsh, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const queue: InFlight[] = [];
  let seen = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    process.stdout.write(chunk);
    seen += chunk;
    for (let call = queue[0]; call; call = queue[0]) {
      const at = seen.indexOf(call.endMarker);
      if (at < 0) break;
      seen = seen.slice(at + call.endMarker.length);
      queue.shift();
      appendFileSync(
        log,
        `${JSON.stringify({ start: call.start, end: Date.now(), args: call.args, session: true })}\n`,
      );
    }
    if (queue.length === 0) seen = '';
  });
  let pending = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    pending += chunk;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const commands = splitCommandLine(line);
      const command = commands[2];
      const endMarker = commands.at(-1)?.at(-1);
      if (commands.length === 5 && command && endMarker) {
        queue.push({ start: Date.now(), args: command, endMarker });
      }
      child.stdin.write(`${line}\n`);
    }
  });
  process.stdin.on('end', () => child.stdin.end());
  child.stdin.on('error', () => {});
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
}
