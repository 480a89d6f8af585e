import type { KubeObject } from '../../src/runtime/kube-object.ts';
import type { LeaderElector } from '../../src/runtime/leader-election.ts';
import type { LeaseClient } from '../../src/runtime/lease.ts';

/**
 * A lease client that can be cut off the API server: once cut, every call hangs like a partitioned network.
 * `settled()` counts answered calls, so a test on a fake clock can tell when an attempt has returned.
 */
export function partitionable(client: LeaseClient): { client: LeaseClient; cut(): void; settled(): number } {
  let cut = false;
  let settled = 0;
  const hang = () => new Promise<never>(() => {});
  const track = <T>(promise: Promise<T>) =>
    promise.finally(() => {
      settled++;
    });
  const wrapped: LeaseClient = {
    find: <T extends KubeObject>(...args: Parameters<LeaseClient['find']>) => {
      return cut ? hang() : track(client.find<T>(...args));
    },
    create: <T extends KubeObject>(resource: Parameters<LeaseClient['create']>[0], obj: T) => {
      return cut ? hang() : track(client.create<T>(resource, obj));
    },
    replace: <T extends KubeObject>(resource: Parameters<LeaseClient['replace']>[0], obj: T) => {
      return cut ? hang() : track(client.replace<T>(resource, obj));
    },
  };
  return {
    client: wrapped,
    cut: () => {
      cut = true;
    },
    settled: () => settled,
  };
}

export interface LeadershipInterval {
  identity: string;
  start: number;
  end?: number;
}

/**
 * Records when each elector led (from onStartedLeading until its signal aborted), on one monotonic clock, so a
 * test can check that no two intervals overlap.
 */
export class LeadershipLog {
  readonly intervals: LeadershipInterval[] = [];

  /** Runs `elector`; the leader's "work" lasts until its signal aborts. */
  run(elector: LeaderElector, stop: AbortSignal) {
    return elector.run(
      {
        onStartedLeading: (signal) => {
          const interval: LeadershipInterval = { identity: elector.identity, start: performance.now() };
          this.intervals.push(interval);
          return new Promise<void>((resolve) => {
            signal.addEventListener(
              'abort',
              () => {
                interval.end = performance.now();
                resolve();
              },
              { once: true },
            );
          });
        },
      },
      stop,
    );
  }

  /** Identities leading now. */
  current(): string[] {
    return this.intervals.filter((i) => i.end === undefined).map((i) => i.identity);
  }

  /** Throws naming the two intervals if any pair overlaps. */
  assertNoOverlap(): void {
    const sorted = [...this.intervals].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      const before = sorted[i - 1]!;
      const after = sorted[i]!;
      if (before.end === undefined || before.end > after.start) {
        throw new Error(
          `two leaders at once: ${before.identity} led [${before.start}, ${before.end ?? 'still'}) ` +
            `and ${after.identity} started at ${after.start}`,
        );
      }
    }
  }
}
