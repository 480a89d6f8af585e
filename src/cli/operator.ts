import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { createDriverFactory } from '../drivers/factory.ts';
import { startHealthServer } from '../observability/health-server.ts';
import { OperatorMetrics } from '../observability/metrics.ts';
import { installCrds } from '../operator/install-crds.ts';
import { runReplica } from '../operator/replica.ts';
import { prepareOperator } from '../operator/start-operator.ts';
import { KubeClient } from '../runtime/kube-client.ts';
import { defaultIdentity, LeaderElector } from '../runtime/leader-election.ts';
import { UsageError } from './local-options.ts';
import { type LogLevel, parseLogLevelFlag } from './log-level.ts';
import {
  type LeaderElectionTimings,
  parseBindAddress,
  parseDurationFlag,
  parseLeaderElectionTimings,
} from './operator-flags.ts';

export const OPERATOR_USAGE = `Usage: vmsnap operator [flags]

Runs the vmsnap operator (its Hypervisor, VirtualMachine, VMSnapshot, VMRevert and VMSnapshotSchedule controllers)
against a Kubernetes API server until SIGINT or SIGTERM.

Flags:
  --kubeconfig <path>  kubeconfig to use (default: in-cluster service account when running in a pod,
                       else $KUBECONFIG or ~/.kube/config)
  --workers <n>        reconciles working at once per controller (default 4); one waiting on a
                       hypervisor operation lends its worker out, so operations at once are
                       bounded by each Hypervisor's maxConcurrentOperations, not by this
  --install-crds       create or update vmsnap's CRDs before starting (needs rights on CRDs)
  --health-bind-address <host:port>
                       serve /metrics, /healthz and /readyz here (default 0.0.0.0:8080; port 0 picks one)
  --leader-elect       run controllers only while holding the Lease vmsnap-operator in $POD_NAMESPACE
                       (default vmsnap-system); other replicas wait as warm standbys
  --leader-elect-lease-duration <d>   how long a lease lasts without renewal (default 15s, whole seconds)
  --leader-elect-renew-deadline <d>   a leader that has not renewed for this long stops leading (default 10s)
  --leader-elect-retry-period <d>     how often to renew or retry (default 2s)
  --shutdown-grace-period <d>         on SIGTERM, how long reconciles in flight may take to finish (default 30s)
  --log-level <level>  fatal, error, warn, info, debug, trace or silent (default $VMSNAP_LOG_LEVEL, else info);
                       info logs one line per operation step, debug every reconcile
  -h, --help           show this help
`;

export interface OperatorCliOptions {
  kubeconfig: string | undefined;
  workers: number;
  installCrds: boolean;
  health: { host: string; port: number };
  /** Undefined: no leader election, this process runs the controllers at once. */
  leaderElection: LeaderElectionTimings | undefined;
  shutdownGracePeriodMs: number;
  /** --log-level; undefined: VMSNAP_LOG_LEVEL or the default decides (resolveLogLevel). */
  logLevel: LogLevel | undefined;
}

/** Parses `vmsnap operator` flags; throws UsageError naming the offending flag and value. */
export function parseOperatorOptions(args: readonly string[]): OperatorCliOptions | 'help' {
  let values: {
    kubeconfig?: string;
    workers?: string;
    'install-crds'?: boolean;
    'health-bind-address'?: string;
    'leader-elect'?: boolean;
    'leader-elect-lease-duration'?: string;
    'leader-elect-renew-deadline'?: string;
    'leader-elect-retry-period'?: string;
    'shutdown-grace-period'?: string;
    'log-level'?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        kubeconfig: { type: 'string' },
        workers: { type: 'string' },
        'install-crds': { type: 'boolean' },
        'health-bind-address': { type: 'string' },
        'leader-elect': { type: 'boolean' },
        'leader-elect-lease-duration': { type: 'string' },
        'leader-elect-renew-deadline': { type: 'string' },
        'leader-elect-retry-period': { type: 'string' },
        'shutdown-grace-period': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const workers = Number(values.workers ?? '4');
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new UsageError(`--workers ${values.workers}: must be a whole number from 1 to 64`);
  }
  const timings = parseLeaderElectionTimings({
    leaseDuration: values['leader-elect-lease-duration'],
    renewDeadline: values['leader-elect-renew-deadline'],
    retryPeriod: values['leader-elect-retry-period'],
  });
  return {
    kubeconfig: values.kubeconfig,
    workers,
    installCrds: values['install-crds'] ?? false,
    health: parseBindAddress('--health-bind-address', values['health-bind-address'] ?? '0.0.0.0:8080'),
    leaderElection: values['leader-elect'] ? timings : undefined,
    shutdownGracePeriodMs: parseDurationFlag(
      '--shutdown-grace-period',
      values['shutdown-grace-period'] ?? '30s',
    ),
    logLevel: parseLogLevelFlag(values['log-level']),
  };
}

/** Runs the operator until `shutdownRequested` resolves, then stops it cleanly. */
export async function runOperator(
  options: OperatorCliOptions,
  deps: { logger: Logger; shutdownRequested: Promise<string> },
): Promise<void> {
  const kubeConfig = new KubeConfig();
  if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();
  const client = new KubeClient(kubeConfig, { fieldManager: 'vmsnap-operator' });
  if (options.installCrds) await installCrds(client);
  const { logger } = deps;
  const metrics = new OperatorMetrics();
  const operator = prepareOperator({
    kubeConfig,
    logger,
    driverFactory: createDriverFactory(),
    workers: options.workers,
    metrics,
  });
  const health = await startHealthServer({
    ...options.health,
    registry: metrics.registry,
    readiness: () => operator.synced(),
    logger,
  }).catch(async (error: unknown) => {
    await operator.stop();
    throw error;
  });
  try {
    const timings = options.leaderElection;
    const elector = timings
      ? new LeaderElector({
          client,
          namespace: process.env.POD_NAMESPACE ?? 'vmsnap-system',
          name: 'vmsnap-operator',
          // The pod name makes `kubectl get lease` readable; the suffix keeps a restarted container distinct.
          identity: process.env.POD_NAME ? `${process.env.POD_NAME}_${randomUUID()}` : defaultIdentity(),
          ...timings,
          logger,
          metrics: metrics.leaderElection,
        })
      : undefined;
    const end = await runReplica({
      operator,
      logger,
      shutdownRequested: deps.shutdownRequested,
      shutdownGracePeriodMs: options.shutdownGracePeriodMs,
      ...(elector ? { elector } : {}),
    });
    // Like controller-runtime: a replica that lost its lease exits, and restarts as a standby.
    if (end === 'lost')
      throw new Error('lost the leader election lease; exiting so the pod restarts as a standby');
  } finally {
    await health.close();
  }
}
