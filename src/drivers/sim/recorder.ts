// Records which driver operations were in flight at once on one simulated host, so scale tests can assert
// that controllers honour Hypervisor.spec.maxConcurrentOperations (max in flight) without timing asserts.

export type SimOperation =
  | 'probe'
  | 'getDomain'
  | 'listSnapshots'
  | 'getSnapshot'
  | 'createSnapshot'
  | 'deleteSnapshot'
  | 'revertTo'
  | 'start'
  | 'stop'
  | 'pause'
  | 'resume'
  | 'recover';

/** The operations a Hypervisor's maxConcurrentOperations limits: the ones that change snapshots. */
export const SNAPSHOT_OPERATIONS: readonly SimOperation[] = ['createSnapshot', 'deleteSnapshot', 'revertTo'];

export interface RecordedOperation {
  seq: number;
  operation: SimOperation;
  domain: string | undefined;
  /** Sequence numbers (not times) of start and end, so overlap is exact and independent of the clock. */
  startedAt: number;
  endedAt?: number;
  /**
   * The host's clock (ms since the epoch) at start and end: for when an operation ran relative to a scheduled
   * time (e.g. a schedule's spread), never for overlap, which the sequence numbers decide exactly.
   */
  startedAtMs: number;
  endedAtMs?: number;
  outcome?: 'ok' | 'error';
}

export class ConcurrencyRecorder {
  private readonly records: RecordedOperation[] = [];
  private readonly wallClock: () => number;
  private clock = 0;

  /** `wallClock` stamps startedAtMs/endedAtMs; the sim host passes its own (injectable) clock. */
  constructor(wallClock: () => number = Date.now) {
    this.wallClock = wallClock;
  }

  /** Marks an operation as started; call the returned function when it ends. */
  begin(operation: SimOperation, domain: string | undefined): (outcome: 'ok' | 'error') => void {
    const record: RecordedOperation = {
      seq: this.records.length,
      operation,
      domain,
      startedAt: ++this.clock,
      startedAtMs: this.wallClock(),
    };
    this.records.push(record);
    return (outcome) => {
      record.endedAt = ++this.clock;
      record.endedAtMs = this.wallClock();
      record.outcome = outcome;
    };
  }

  /** All operations so far, in start order (copies). */
  get log(): RecordedOperation[] {
    return this.records.map((r) => ({ ...r }));
  }

  /** How many of `operations` are running now. */
  inFlight(operations: readonly SimOperation[] = SNAPSHOT_OPERATIONS): number {
    return this.records.filter((r) => r.endedAt === undefined && operations.includes(r.operation)).length;
  }

  /** The most of `operations` that were ever running at the same time. */
  maxInFlight(operations: readonly SimOperation[] = SNAPSHOT_OPERATIONS): number {
    const events: Array<[number, 1 | -1]> = [];
    for (const r of this.records) {
      if (!operations.includes(r.operation)) continue;
      events.push([r.startedAt, 1]);
      if (r.endedAt !== undefined) events.push([r.endedAt, -1]);
    }
    events.sort((a, b) => a[0] - b[0]);
    let current = 0;
    let max = 0;
    for (const [, delta] of events) {
      current += delta;
      max = Math.max(max, current);
    }
    return max;
  }

  count(operation: SimOperation): number {
    return this.records.filter((r) => r.operation === operation).length;
  }

  reset(): void {
    this.records.length = 0;
  }
}
