import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { type Clock, systemClock } from './clock.ts';
import { isAlreadyExists, isConflict } from './kube-error.ts';
import { LEASES, type Lease, type LeaseClient, type LeaseSpec, microTime, sameRecord } from './lease.ts';

/** controller-runtime's defaults: a 15 s lease, renewed every 2 s, given up 10 s after the last renewal. */
export const DEFAULT_LEASE_DURATION_SECONDS = 15;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

/** client-go's JitterFactor: candidates retry after retryPeriod * (1 + random * 1.2), so they do not move in step. */
const JITTER_FACTOR = 1.2;

/** Reports leadership the way controller-runtime's `leader_election_master_status{name}` gauge does. */
export interface LeaderElectionMetrics {
  leading(name: string, isLeader: boolean): void;
}

export interface LeaderElectorOptions {
  client: LeaseClient;
  /** Namespace and name of the Lease (e.g. vmsnap-system / vmsnap-operator). */
  namespace: string;
  name: string;
  /** Unique per process: two processes with one identity would both think they lead. See `defaultIdentity`. */
  identity: string;
  /** How long a lease stays valid after its holder last renewed it, as observed by the other candidates. */
  leaseDurationSeconds?: number;
  /** A leader that has not renewed for this long stops leading. Must be shorter than the lease duration. */
  renewDeadlineMs?: number;
  /** How often the leader renews and candidates retry. */
  retryPeriodMs?: number;
  /** Monotonic time for every wait and every expiry decision. */
  clock?: Clock;
  /** Wall-clock time written into the Lease (acquireTime, renewTime); informational only. */
  now?: () => Date;
  /** [0, 1): jitter for candidates' retries. */
  random?: () => number;
  logger?: Logger;
  metrics?: LeaderElectionMetrics;
}

export interface LeaderCallbacks {
  /**
   * Starts the leader's work. `signal` aborts when leadership ends (renewals failed, another holder seen, or
   * shutdown); the returned promise must settle once the work has stopped, because the lease is released only
   * then (a standby must not start while this replica still writes). A rejection ends leadership too.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once leadership has ended, after the work settled and the lease was released. */
  onStoppedLeading?(): void;
}

/** Why `run` returned: shut down as asked, or lost the lease (the process should exit, like controller-runtime). */
export type LeadershipEnd = 'stopped' | 'lost';

/** `<hostname>_<uuid>`, as controller-runtime names its leader election identities. */
export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

type Attempt = 'acquired' | 'heldByOther' | 'failed';

/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules:
 * - A candidate takes the lease when nobody holds it, or when the holder's record has not changed for
 *   `leaseDurationSeconds` *as observed locally*: expiry counts from the moment this process first saw the
 *   current record, never from the renewTime written in it, so clock skew between nodes cannot shorten a lease.
 * - Every write carries the resourceVersion that was read; 409 Conflict means another candidate won the race.
 * - The leader renews every `retryPeriodMs`. If no renewal has succeeded for `renewDeadlineMs` (counted from the
 *   start of the last successful request), it aborts the leader signal at once, even while a request hangs.
 *   Because renewDeadline < leaseDuration and a standby's observation starts only after that write, the old
 *   leader has stopped before any standby may take over.
 * - On shutdown (and after losing, once the work has stopped) the leader releases the lease by clearing
 *   holderIdentity, so a standby takes over at its next retry instead of waiting out the lease.
 */
export class LeaderElector {
  readonly #client: LeaseClient;
  readonly #ref: { namespace: string; name: string };
  readonly #identity: string;
  readonly #leaseDurationSeconds: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #clock: Clock;
  readonly #now: () => Date;
  readonly #random: () => number;
  readonly #log: Logger | undefined;
  readonly #metrics: LeaderElectionMetrics | undefined;
  /** The last record read or written, and when (monotonic) this process first saw it. */
  #observed: { spec: LeaseSpec; at: number } | undefined;
  /** Monotonic start of the acquire request that made this process leader: its renew deadline counts from there. */
  #lastAcquireStartedAt = 0;
  #leading = false;
  #running = false;

  constructor(options: LeaderElectorOptions) {
    this.#client = options.client;
    this.#ref = { namespace: options.namespace, name: options.name };
    this.#identity = options.identity;
    this.#leaseDurationSeconds = options.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.#retryPeriodMs = options.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    this.#clock = options.clock ?? systemClock;
    this.#now = options.now ?? (() => new Date());
    this.#random = options.random ?? Math.random;
    this.#log = options.logger?.child({ component: 'leader-election', lease: options.name });
    this.#metrics = options.metrics;
    validate(this.#identity, this.#leaseDurationSeconds, this.#renewDeadlineMs, this.#retryPeriodMs);
  }

  get identity(): string {
    return this.#identity;
  }

  /** Whether this process leads right now (false from the moment the leader signal aborts). */
  isLeader(): boolean {
    return this.#leading;
  }

  /**
   * Campaigns until this process leads or `stop` aborts, then leads until leadership ends. Resolves with why it
   * ended; rejects with the error if `onStartedLeading` failed (after releasing the lease). Runs once per elector.
   */
  async run(
    callbacks: LeaderCallbacks,
    stop: AbortSignal = new AbortController().signal,
  ): Promise<LeadershipEnd> {
    if (this.#running) throw new Error(`leader election ${this.#ref.name}: run() called twice`);
    this.#running = true;
    this.#log?.info({ identity: this.#identity }, 'campaigning for leadership');
    while (!stop.aborted) {
      if ((await this.#attempt()) === 'acquired') return this.#lead(callbacks, stop);
      const jitter = 1 + this.#random() * JITTER_FACTOR;
      await sleep(this.#clock, this.#retryPeriodMs * jitter, stop);
    }
    return 'stopped';
  }

  /** Leads from a successful acquire until renewals fail, another holder shows up, the work fails or `stop`. */
  async #lead(callbacks: LeaderCallbacks, stop: AbortSignal): Promise<LeadershipEnd> {
    const leading = new AbortController();
    let end: LeadershipEnd | undefined;
    let workError: { error: unknown } | undefined;
    let cancelDeadline = (): void => {};
    const ended = Promise.withResolvers<LeadershipEnd>();
    const finish = (reason: LeadershipEnd, why: string) => {
      if (end !== undefined) return;
      end = reason;
      cancelDeadline();
      this.#setLeading(false);
      leading.abort(new Error(`leadership ended: ${why}`));
      this.#log?.warn({ reason: why }, 'stopped leading');
      ended.resolve(reason);
    };
    const armDeadline = (attemptStartedAt: number) => {
      cancelDeadline();
      const left = this.#renewDeadlineMs - (this.#clock.now() - attemptStartedAt);
      cancelDeadline = this.#clock.setTimer(
        () => finish('lost', `no renewal succeeded within ${this.#renewDeadlineMs} ms`),
        left,
      );
    };
    armDeadline(this.#lastAcquireStartedAt);
    this.#setLeading(true);
    this.#log?.info({ identity: this.#identity }, 'started leading');

    const onStop = () => finish('stopped', 'shutdown requested');
    stop.addEventListener('abort', onStop, { once: true });
    if (stop.aborted) onStop();

    const work = (async () => callbacks.onStartedLeading(leading.signal))().catch((error: unknown) => {
      workError = { error };
      finish('stopped', `the leader's work failed: ${String(error)}`);
    });

    const renewals = (async () => {
      while (end === undefined) {
        await sleep(this.#clock, this.#retryPeriodMs, leading.signal);
        if (end !== undefined) return;
        const startedAt = this.#clock.now();
        const result = await this.#attempt();
        if (end !== undefined) return;
        if (result === 'acquired') armDeadline(startedAt);
        else if (result === 'heldByOther') finish('lost', 'another holder renewed the lease');
      }
    })();

    const reason = await ended.promise;
    stop.removeEventListener('abort', onStop);
    await renewals;
    await work;
    await this.#release();
    callbacks.onStoppedLeading?.();
    if (workError !== undefined) throw workError.error;
    return reason;
  }

  /**
   * One round of client-go's tryAcquireOrRenew: read the lease, and write ourselves in as holder if it is ours,
   * free or expired. Never throws; gives up on a request that hangs longer than the renew deadline.
   */
  async #attempt(): Promise<Attempt> {
    const startedAt = this.#clock.now();
    const result = await withTimeout(this.#clock, this.#tryAcquireOrRenew(), this.#renewDeadlineMs);
    if (result === 'acquired') this.#lastAcquireStartedAt = startedAt;
    if (result === undefined) {
      this.#log?.warn({ timeoutMs: this.#renewDeadlineMs }, 'lease request timed out');
      return 'failed';
    }
    return result;
  }

  async #tryAcquireOrRenew(): Promise<Attempt> {
    const now = microTime(this.#now());
    let lease: Lease | undefined;
    try {
      lease = await this.#client.find<Lease>(LEASES, this.#ref);
    } catch (error) {
      this.#log?.warn({ err: error }, 'reading the lease failed');
      return 'failed';
    }
    if (lease === undefined) {
      const spec = this.#record(undefined, now);
      try {
        await this.#client.create<Lease>(LEASES, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { ...this.#ref },
          spec,
        });
        this.#observe(spec);
        return 'acquired';
      } catch (error) {
        if (!isAlreadyExists(error)) this.#log?.warn({ err: error }, 'creating the lease failed');
        return 'failed';
      }
    }

    const current = lease.spec ?? {};
    this.#observe(current);
    const holder = current.holderIdentity ?? '';
    if (holder !== '' && holder !== this.#identity && !this.#observedExpired()) return 'heldByOther';

    const spec = this.#record(current, now);
    try {
      // The resourceVersion read above travels along: a concurrent writer makes this 409.
      await this.#client.replace<Lease>(LEASES, { ...lease, spec: { ...current, ...spec } });
      this.#observe(spec);
      if (holder !== this.#identity) {
        this.#log?.info({ previousHolder: holder || undefined }, 'acquired the lease');
      }
      return 'acquired';
    } catch (error) {
      // 409: someone wrote the lease since we read it, so this round is theirs.
      if (!isConflict(error)) this.#log?.warn({ err: error }, 'writing the lease failed');
      return 'failed';
    }
  }

  /** The record this process writes to hold the lease; acquireTime and transitions change only on a new holder. */
  #record(current: LeaseSpec | undefined, now: string): LeaseSpec {
    const renewing = current?.holderIdentity === this.#identity;
    const transitions = current?.leaseTransitions ?? 0;
    return {
      holderIdentity: this.#identity,
      leaseDurationSeconds: this.#leaseDurationSeconds,
      acquireTime: renewing && current?.acquireTime ? current.acquireTime : now,
      renewTime: now,
      leaseTransitions: current === undefined ? 0 : renewing ? transitions : transitions + 1,
    };
  }

  /** Restarts the local expiry clock whenever the record changed since it was last seen. */
  #observe(spec: LeaseSpec): void {
    if (this.#observed === undefined || !sameRecord(this.#observed.spec, spec)) {
      const previous = this.#observed?.spec.holderIdentity ?? '';
      const holder = spec.holderIdentity ?? '';
      if (holder !== previous && holder !== this.#identity) {
        this.#log?.info({ holder: holder || undefined }, 'observed a new lease holder');
      }
      this.#observed = { spec, at: this.#clock.now() };
    }
  }

  /** The holder's own leaseDurationSeconds decides, as in client-go: candidates may be configured differently. */
  #observedExpired(): boolean {
    if (this.#observed === undefined) return true;
    const seconds = this.#observed.spec.leaseDurationSeconds ?? this.#leaseDurationSeconds;
    return this.#observed.at + seconds * 1000 <= this.#clock.now();
  }

  /**
   * Clears holderIdentity if this process still holds the lease, so a standby takes over at its next retry.
   * Called only after the leader's work settled. Failures are logged: the lease then simply expires.
   */
  async #release(): Promise<void> {
    const released = await withTimeout(
      this.#clock,
      (async () => {
        const lease = await this.#client.find<Lease>(LEASES, this.#ref);
        if (lease?.spec?.holderIdentity !== this.#identity) return false;
        const now = microTime(this.#now());
        await this.#client.replace<Lease>(LEASES, {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            acquireTime: now,
            renewTime: now,
          },
        });
        return true;
      })().catch((error: unknown) => {
        this.#log?.warn({ err: error }, 'releasing the lease failed; it will expire instead');
        return false;
      }),
      this.#renewDeadlineMs,
    );
    if (released) this.#log?.info('released the lease');
  }

  #setLeading(leading: boolean): void {
    this.#leading = leading;
    this.#metrics?.leading(this.#ref.name, leading);
  }
}

function validate(identity: string, leaseSeconds: number, renewDeadlineMs: number, retryPeriodMs: number) {
  if (identity === '') throw new Error('leader election: identity must not be empty');
  if (!Number.isInteger(leaseSeconds) || leaseSeconds < 1) {
    throw new RangeError(
      `leader election: leaseDurationSeconds must be a whole number >= 1, got ${leaseSeconds}`,
    );
  }
  if (!(renewDeadlineMs < leaseSeconds * 1000)) {
    throw new RangeError(
      `leader election: renewDeadlineMs (${renewDeadlineMs}) must be shorter than the lease duration ` +
        `(${leaseSeconds * 1000} ms), or two replicas could lead at once`,
    );
  }
  if (!(retryPeriodMs > 0 && renewDeadlineMs > retryPeriodMs * JITTER_FACTOR)) {
    throw new RangeError(
      `leader election: renewDeadlineMs (${renewDeadlineMs}) must exceed ${JITTER_FACTOR} x retryPeriodMs ` +
        `(${retryPeriodMs}), so a leader gets more than one try to renew`,
    );
  }
}

/** Waits `ms`, or less if `signal` aborts. */
function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      cancel();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const cancel = clock.setTimer(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The promise's value, or undefined if it has not settled after `ms` (it keeps running; its result is dropped). */
function withTimeout<T>(clock: Clock, promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const cancel = clock.setTimer(() => resolve(undefined), ms);
    promise.then(
      (value) => {
        cancel();
        resolve(value);
      },
      (error: unknown) => {
        cancel();
        reject(error);
      },
    );
  });
}
