import { randomBytes } from 'node:crypto';
import { type EventsV1Event, V1MicroTime } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type Clock, systemClock } from './clock.ts';
import type { KubeClient } from './kube-client.ts';
import { isNotFound } from './kube-error.ts';
import type { KubeObject } from './kube-object.ts';
import { KeyedTokenBuckets } from './token-bucket.ts';

export interface EventRecord {
  type: 'Normal' | 'Warning';
  /** CamelCase, machine-readable: `SnapshotCreated`, `RevertToFailed`. */
  reason: string;
  /** What the controller did or failed to do: `CreateSnapshot`, `RevertTo`. */
  action: string;
  /** For humans; cut to the API's limit of 1 kB. */
  note: string;
}

export interface EventRecorderOptions {
  client: KubeClient;
  logger: Logger;
  /** Which replica wrote the event (pod or host name). */
  reportingInstance: string;
  reportingController?: string;
  /** Events per object at once before rate limiting starts (client-go: 25). */
  burst?: number;
  /** One more event per object is allowed this often once the burst is spent (client-go: 5 minutes). */
  refillEveryMs?: number;
  /** A repeat within this long of the last one bumps the existing event's series (client-go: 6 minutes). */
  seriesWindowMs?: number;
  clock?: Clock;
  /** Wall-clock time written into events. */
  now?: () => Date;
}

const NOTE_LIMIT = 1024;

/**
 * Writes events.k8s.io/v1 Events about objects, the way `kubectl describe` and event exporters read them.
 *
 * Repeats of the same (object, type, reason, action, note) within the series window do not create new Events: they
 * bump `series.count` and `series.lastObservedTime` of the one already written, so a reconcile that fails every
 * few seconds leaves one Event with a count rather than thousands. Writes per object are rate limited; a repeat
 * dropped by the limit is still counted and the count shows up with the next write.
 *
 * Events are best effort: `record` never throws (failures are logged), so a broken event path cannot fail a
 * reconcile. Calls for the same event are serialized, so concurrent repeats cannot create duplicates.
 */
export class EventRecorder {
  readonly #client: KubeClient;
  readonly #log: Logger;
  readonly #reportingController: string;
  readonly #reportingInstance: string;
  readonly #seriesWindowMs: number;
  readonly #clock: Clock;
  readonly #now: () => Date;
  readonly #buckets: KeyedTokenBuckets;
  /** Events already written, by series key, with the count the server has or is about to have. */
  readonly #series = new Map<
    string,
    { namespace: string; name: string; count: number; lastSeenAt: number }
  >();
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(options: EventRecorderOptions) {
    this.#client = options.client;
    this.#log = options.logger;
    this.#reportingController = options.reportingController ?? 'vmsnap.io/operator';
    this.#reportingInstance = options.reportingInstance;
    this.#seriesWindowMs = options.seriesWindowMs ?? 6 * 60_000;
    this.#clock = options.clock ?? systemClock;
    this.#now = options.now ?? (() => new Date());
    this.#buckets = new KeyedTokenBuckets({
      burst: options.burst ?? 25,
      refillEveryMs: options.refillEveryMs ?? 5 * 60_000,
      clock: this.#clock,
    });
  }

  normal(regarding: KubeObject, reason: string, action: string, note: string): Promise<void> {
    return this.record(regarding, { type: 'Normal', reason, action, note });
  }

  warning(regarding: KubeObject, reason: string, action: string, note: string): Promise<void> {
    return this.record(regarding, { type: 'Warning', reason, action, note });
  }

  /** Records `event` about `regarding`; resolves once written, dropped or failed (never rejects). */
  record(regarding: KubeObject, event: EventRecord): Promise<void> {
    const note = event.note.length > NOTE_LIMIT ? `${event.note.slice(0, NOTE_LIMIT - 3)}...` : event.note;
    const objectKey = identify(regarding);
    const seriesKey = JSON.stringify([objectKey, event.type, event.reason, event.action, note]);
    const previous = this.#inFlight.get(seriesKey) ?? Promise.resolve();
    const next = previous
      .then(() => this.#write(regarding, { ...event, note }, objectKey, seriesKey))
      .catch((error: unknown) => {
        this.#log.warn({ err: error, reason: event.reason, object: objectKey }, 'could not record event');
      })
      .finally(() => {
        if (this.#inFlight.get(seriesKey) === next) this.#inFlight.delete(seriesKey);
      });
    this.#inFlight.set(seriesKey, next);
    return next;
  }

  async #write(
    regarding: KubeObject,
    event: EventRecord,
    objectKey: string,
    seriesKey: string,
  ): Promise<void> {
    const at = this.#clock.now();
    const now = this.#now();
    this.#forgetOldSeries(at);
    const known = this.#series.get(seriesKey);
    if (known) {
      known.count++;
      known.lastSeenAt = at;
    }
    if (!this.#buckets.tryTake(objectKey)) {
      this.#log.debug({ reason: event.reason, object: objectKey }, 'event rate-limited');
      return;
    }
    if (known) {
      try {
        await this.#client.patchEvent(
          { namespace: known.namespace, name: known.name },
          { series: { count: known.count, lastObservedTime: new V1MicroTime(now.getTime()) } },
        );
        return;
      } catch (error) {
        // The Event expired or was deleted: start a new one below.
        if (!isNotFound(error)) throw error;
        this.#series.delete(seriesKey);
      }
    }
    const created = await this.#client.createEvent(this.#newEvent(regarding, event, now));
    const name = created.metadata?.name;
    const namespace = created.metadata?.namespace;
    if (name && namespace) this.#series.set(seriesKey, { namespace, name, count: 1, lastSeenAt: at });
  }

  #newEvent(regarding: KubeObject, event: EventRecord, now: Date): EventsV1Event {
    const { apiVersion, kind, metadata } = regarding;
    if (!apiVersion || !kind || !metadata.name) {
      throw new Error('EventRecorder: the regarding object needs apiVersion, kind and metadata.name');
    }
    // Cluster-scoped objects (Hypervisor) get their events in "default", as kube-apiserver's own recorders do.
    const namespace = metadata.namespace || 'default';
    return {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${metadata.name}.${eventSuffix(now)}`, namespace },
      eventTime: new V1MicroTime(now.getTime()),
      reportingController: this.#reportingController,
      reportingInstance: this.#reportingInstance,
      action: event.action,
      reason: event.reason,
      note: event.note,
      type: event.type,
      regarding: {
        apiVersion,
        kind,
        name: metadata.name,
        namespace: metadata.namespace,
        uid: metadata.uid,
        resourceVersion: metadata.resourceVersion,
      },
    };
  }

  #forgetOldSeries(at: number): void {
    for (const [key, entry] of this.#series) {
      if (at - entry.lastSeenAt > this.#seriesWindowMs) this.#series.delete(key);
    }
  }
}

function identify(obj: KubeObject): string {
  return obj.metadata.uid ?? `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

/** Like client-go's `name.<hex nanoseconds>`, plus random bits so two replicas in one millisecond cannot collide. */
function eventSuffix(now: Date): string {
  return `${(BigInt(now.getTime()) * 1_000_000n).toString(16)}${randomBytes(2).toString('hex')}`;
}
