import type { Logger } from 'pino';
import type { LeaderElector, LeadershipEnd } from '../runtime/leader-election.ts';
import type { PreparedOperator } from './start-operator.ts';

export interface ReplicaOptions {
  /** Informers already running (a standby is Ready on them); the controllers start here. */
  operator: PreparedOperator;
  logger: Logger;
  /** Resolves with the signal's name when the process is asked to stop (SIGTERM from the kubelet). */
  shutdownRequested: Promise<string>;
  /**
   * How long reconciles in flight (a hypervisor call included) may take to return after shutdown was asked for.
   * Keep it below the pod's terminationGracePeriodSeconds, or the kubelet kills the process first.
   */
  shutdownGracePeriodMs: number;
  /** With an elector only the leader runs controllers; without, this replica runs them at once. */
  elector?: LeaderElector;
  /**
   * Called when the grace period ran out with work still in flight. It must end the process at once and must
   * not release the Lease: a standby then waits out the lease duration instead of starting while a hypervisor
   * call of this process may still be running. Default: exit with status 1.
   */
  onGraceExpired?: () => void;
}

/**
 * Runs one operator replica until shutdown or lost leadership, and stops it cleanly:
 * 1. stop taking work (the controllers' queues shut down), 2. wait for reconciles in flight, up to the grace
 * period, 3. release the Lease (the elector does, once its work settled), 4. stop informers and drivers.
 * Resolves with why it ended; 'lost' means the caller must exit non-zero and restart as a standby, as
 * controller-runtime does (in-memory state such as operation slots is not trusted across leadership terms).
 */
export async function runReplica(options: ReplicaOptions): Promise<LeadershipEnd> {
  const { operator, logger, elector } = options;
  const stop = new AbortController();
  let graceTimer: NodeJS.Timeout | undefined;
  void options.shutdownRequested.then((signal) => {
    logger.info({ signal, gracePeriodMs: options.shutdownGracePeriodMs }, 'shutting down');
    graceTimer = setTimeout(() => {
      logger.error(
        { gracePeriodMs: options.shutdownGracePeriodMs },
        'reconciles still in flight after the shutdown grace period; exiting without releasing the Lease',
      );
      (options.onGraceExpired ?? (() => process.exit(1)))();
    }, options.shutdownGracePeriodMs);
    stop.abort();
  });

  try {
    if (elector === undefined) {
      await operator.startControllers();
      await aborted(stop.signal);
      await operator.stopControllers();
      return 'stopped';
    }
    return await elector.run(
      {
        onStartedLeading: async (leading) => {
          await operator.startControllers();
          await aborted(leading);
          // The elector releases the Lease only after this returns: no standby starts while we still write.
          await operator.stopControllers();
        },
      },
      stop.signal,
    );
  } finally {
    await operator.stop();
    clearTimeout(graceTimer);
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
