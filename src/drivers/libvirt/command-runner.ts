// How the libvirt driver runs programs: one child process per call, argument arrays, no shell, `LC_ALL=C` so
// error texts are the ones error-mapping.ts knows. A failure becomes a CommandFailure, whichever way the
// command ran (a process here, or a line in a long-lived virsh session: virsh-session.ts).

import { execFile } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** A failed command: exit status, stderr's `error:` lines, and how it failed to run (timeout, ENOENT). */
export class CommandFailure extends Error {
  readonly command: string;
  readonly args: readonly string[];
  readonly exitCode: number | undefined;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly notInstalled: boolean;

  constructor(
    command: string,
    args: readonly string[],
    details: { exitCode?: number; stderr: string; timedOut?: boolean; notInstalled?: boolean },
  ) {
    super(`${command} ${args.join(' ')} failed: ${errorText(details.stderr) || `exit ${details.exitCode}`}`);
    this.name = 'CommandFailure';
    this.command = command;
    this.args = args;
    this.exitCode = details.exitCode;
    this.stderr = details.stderr;
    this.timedOut = details.timedOut ?? false;
    this.notInstalled = details.notInstalled ?? false;
  }

  /** The hypervisor's own error text: the `error:` lines without their prefix, joined. */
  get errorText(): string {
    return errorText(this.stderr);
  }
}

/** Extracts the messages from virsh's `error: ...` lines (falls back to the whole stderr). */
export function errorText(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const errors = lines.filter((l) => l.startsWith('error:')).map((l) => l.slice('error:'.length).trim());
  return (errors.length > 0 ? errors : lines).join(': ');
}

export interface RunOptions {
  /** Written to the child's stdin (virsh reads it via `--xmlfile /dev/stdin`). */
  stdin?: string;
  timeoutMs?: number;
}

/** Runs a program with arguments; rejects with CommandFailure. Injectable so tests can replay recorded output. */
export type CommandRunner = (
  command: string,
  args: readonly string[],
  options?: RunOptions,
) => Promise<CommandResult>;

/** The most output one command may produce before it is treated as failed (a runaway would fill memory). */
export const MAX_OUTPUT = 64 * 1024 * 1024;

/** The environment of every virsh/qemu-img child: the C locale, so error texts match error-mapping.ts. */
export function commandEnv(): NodeJS.ProcessEnv {
  return { ...process.env, LC_ALL: 'C', LANG: 'C' };
}

export const execRunner: CommandRunner = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = execFile(
      command,
      [...args],
      {
        env: commandEnv(),
        timeout: options.timeoutMs ?? 0,
        killSignal: 'SIGKILL',
        maxBuffer: MAX_OUTPUT,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr });
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        reject(
          new CommandFailure(command, args, {
            ...(typeof code === 'number' ? { exitCode: code } : {}),
            stderr: stderr || (code === 'ENOENT' ? `error: ${command}: command not found` : error.message),
            timedOut: error.killed === true && options.timeoutMs !== undefined,
            notInstalled: code === 'ENOENT',
          }),
        );
      },
    );
    // virsh often exits without reading stdin; the EPIPE that follows must not become an uncaught exception.
    // The command's own outcome is reported by execFile's callback above.
    child.stdin?.on('error', () => {});
    // Without stdin the child must still see EOF, or a virsh reading /dev/stdin would wait forever.
    child.stdin?.end(options.stdin ?? '');
  });
