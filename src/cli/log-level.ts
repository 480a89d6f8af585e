import { type Logger, pino } from 'pino';
import { UsageError } from './local-options.ts';

/** pino's levels, most to least severe, and `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Checks a level; `given` says where it came from in the error, e.g. `--log-level loud`. Throws UsageError. */
export function parseLogLevel(value: string, given: string): LogLevel {
  const level = LOG_LEVELS.find((l) => l === value);
  if (!level) throw new UsageError(`${given}: expected one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

/** The --log-level flag's value checked, or undefined when the flag was not given. */
export function parseLogLevelFlag(value: string | undefined): LogLevel | undefined {
  return value === undefined ? undefined : parseLogLevel(value, `--log-level ${value}`);
}

/**
 * The level a command logs at: the --log-level flag, else VMSNAP_LOG_LEVEL (kept so existing deployments and
 * scripts keep working), else the command's default. A bad environment value is a usage error too, rather than
 * pino's "unknown level" thrown from deep inside the start-up.
 */
export function resolveLogLevel(
  flag: LogLevel | undefined,
  env: NodeJS.ProcessEnv,
  fallback: LogLevel,
): LogLevel {
  if (flag) return flag;
  const fromEnv = env.VMSNAP_LOG_LEVEL;
  return fromEnv ? parseLogLevel(fromEnv, `VMSNAP_LOG_LEVEL=${fromEnv}`) : fallback;
}

/** The command's logger: JSON lines on stderr (stdout carries what the command prints for the user). */
export function cliLogger(level: LogLevel): Logger {
  return pino({ name: 'vmsnap', level }, pino.destination(2));
}
