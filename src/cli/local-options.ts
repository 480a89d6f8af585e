import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type LogLevel, parseLogLevelFlag } from './log-level.ts';

export interface LocalOptions {
  port: number;
  dataDir: string;
  host: string;
  allowRemote: boolean;
  /** --log-level; undefined: VMSNAP_LOG_LEVEL or the command's default decides (resolveLogLevel). */
  logLevel: LogLevel | undefined;
}

export const LOCAL_USAGE = `Usage: vmsnap local [flags]

Runs the embedded Kubernetes-compatible control plane (and the vmsnap operator) on this machine until
SIGINT or SIGTERM. Prints the path of a kubeconfig that kubectl and client libraries can use.

Flags:
  --port <n>        HTTPS port to listen on (default 6443; 0 picks a free port)
  --data-dir <dir>  where certificates, the token, the kubeconfig and the store live (default ./.vmsnap)
  --host <addr>     address to bind (default 127.0.0.1); non-loopback addresses need --allow-remote
  --allow-remote    allow binding a non-loopback address (anyone holding the token can then connect)
  --log-level <l>   fatal, error, warn, info, debug, trace or silent (default $VMSNAP_LOG_LEVEL, else info);
                    info logs one line per operation step, debug every reconcile
  -h, --help        show this help
`;

/** A command-line mistake: the CLI prints it with a usage hint and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses `vmsnap local` flags. Throws UsageError naming the offending flag and value. */
export function parseLocalOptions(args: readonly string[]): LocalOptions | 'help' {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(args);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const port = parsePort(values.port ?? '6443');
  const host = values.host ?? '127.0.0.1';
  const allowRemote = values['allow-remote'] ?? false;
  if (!isLoopback(host) && !allowRemote) {
    throw new UsageError(
      `--host ${host} is not a loopback address; pass --allow-remote to serve the API on the network on purpose`,
    );
  }
  return {
    port,
    host,
    allowRemote,
    dataDir: resolve(values['data-dir'] ?? '.vmsnap'),
    logLevel: parseLogLevelFlag(values['log-level']),
  };
}

function parseFlags(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      host: { type: 'string' },
      'allow-remote': { type: 'boolean' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got ${JSON.stringify(value)}`);
  }
  return port;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
