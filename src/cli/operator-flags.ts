// Value parsers for `vmsnap operator` flags, in the forms controller-runtime's flags take, so manifests written
// for Go operators read the same here (--health-bind-address=:8080, --leader-elect-lease-duration=15s).
import { isIP } from 'node:net';
import { UsageError } from './local-options.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go-style duration such as `15s`, `500ms`, `1m30s` or `1.5s`, in milliseconds (> 0). */
export function parseDurationFlag(flag: string, value: string): number {
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const consumed = parts.map((p) => p[0]).join('');
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * (UNIT_MS[p[2]!] ?? Number.NaN), 0);
  if (parts.length === 0 || consumed !== value || !(ms > 0) || !Number.isFinite(ms)) {
    throw new UsageError(`${flag} ${value}: expected a positive duration such as 15s, 500ms or 1m30s`);
  }
  return ms;
}

/** `host:port`, `:port` (all interfaces) or `[v6]:port`; port 0 picks a free one. */
export function parseBindAddress(flag: string, value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const host = match?.[1] ?? (match?.[2] || '0.0.0.0');
  const port = Number(match?.[3]);
  if (!match || port > 65_535 || (host !== 'localhost' && isIP(host) === 0)) {
    throw new UsageError(
      `${flag} ${value}: expected HOST:PORT with an IP address, e.g. 0.0.0.0:8080 or :8080`,
    );
  }
  return { host, port };
}

export interface LeaderElectionTimings {
  leaseDurationSeconds: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/**
 * The --leader-elect-* durations (controller-runtime's defaults 15s / 10s / 2s), checked against each other as the
 * LeaderElector requires, so a bad combination is a usage error naming the flag rather than a crash at start.
 */
export function parseLeaderElectionTimings(flags: {
  leaseDuration: string | undefined;
  renewDeadline: string | undefined;
  retryPeriod: string | undefined;
}): LeaderElectionTimings {
  const lease = flags.leaseDuration ?? '15s';
  const renew = flags.renewDeadline ?? '10s';
  const retry = flags.retryPeriod ?? '2s';
  const leaseMs = parseDurationFlag('--leader-elect-lease-duration', lease);
  if (leaseMs % 1000 !== 0) {
    throw new UsageError(`--leader-elect-lease-duration ${lease}: must be whole seconds`);
  }
  const renewDeadlineMs = parseDurationFlag('--leader-elect-renew-deadline', renew);
  const retryPeriodMs = parseDurationFlag('--leader-elect-retry-period', retry);
  if (renewDeadlineMs >= leaseMs) {
    throw new UsageError(
      `--leader-elect-renew-deadline ${renew}: must be shorter than the lease duration (${lease}), or two replicas could lead at once`,
    );
  }
  if (renewDeadlineMs <= retryPeriodMs * 1.2) {
    throw new UsageError(
      `--leader-elect-retry-period ${retry}: the renew deadline (${renew}) must exceed 1.2 x the retry period`,
    );
  }
  return { leaseDurationSeconds: leaseMs / 1000, renewDeadlineMs, retryPeriodMs };
}
