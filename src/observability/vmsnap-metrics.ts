import { Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Seconds: a disk-only snapshot of an idle VM takes about a second, a memory snapshot of a large VM many minutes.
 */
const OPERATION_BUCKETS = [0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600];

/** A finished snapshot or revert operation, as the VMSnapshot / VMRevert controllers know it. */
export interface OperationTiming {
  /** The Hypervisor's spec.driver: libvirt | vsphere | sim. */
  driver: string;
  /** Whether memory was (or, for a revert, the snapshot had) memory and device state. */
  memory: boolean;
  seconds: number;
}

/**
 * vmsnap's own metrics. The controllers call these methods; every method is synchronous and never throws.
 * - `snapshotTaken` / `revertCompleted`: once per operation that reached the hypervisor and completed.
 * - `operationsInFlight`: whenever a hypervisor's count of running operations changes (its operation slots).
 * - `observeHold`: level-based, from every VirtualMachine reconcile: the hold it sees (its `since`), or undefined
 *   when the VM is free. The oldest hold's age is computed at scrape time, so a hold stuck for an hour shows as
 *   an hour even if nothing reconciles meanwhile: alert on it (a hold must never need a human to clear it).
 */
export class VmsnapMetrics {
  readonly #snapshotDuration: Histogram<'driver' | 'memory'>;
  readonly #revertDuration: Histogram<'driver' | 'memory'>;
  readonly #inFlight: Gauge<'hypervisor'>;
  /** VM key (namespace/name) -> when its hold began (epoch ms). */
  readonly #holds = new Map<string, number>();

  constructor(registry: Registry, options: { now?: () => Date } = {}) {
    const registers = [registry];
    const now = options.now ?? (() => new Date());
    this.#snapshotDuration = new Histogram({
      name: 'vmsnap_snapshot_duration_seconds',
      help: 'Time from starting a snapshot on the hypervisor until it completed',
      labelNames: ['driver', 'memory'],
      buckets: OPERATION_BUCKETS,
      registers,
    });
    this.#revertDuration = new Histogram({
      name: 'vmsnap_revert_duration_seconds',
      help: 'Time from starting a revert (all its steps) until the VM reached its final state',
      labelNames: ['driver', 'memory'],
      buckets: OPERATION_BUCKETS,
      registers,
    });
    this.#inFlight = new Gauge({
      name: 'vmsnap_operations_in_flight',
      help: 'Snapshot and revert operations running on each hypervisor',
      labelNames: ['hypervisor'],
      registers,
    });
    const holds = this.#holds;
    new Gauge({
      name: 'vmsnap_oldest_hold_age_seconds',
      help: 'Age of the oldest hold on any VirtualMachine (0 when no VM is held)',
      registers,
      collect() {
        const oldest = Math.min(...holds.values());
        this.set(Number.isFinite(oldest) ? Math.max(0, (now().getTime() - oldest) / 1000) : 0);
      },
    });
  }

  snapshotTaken(timing: OperationTiming): void {
    this.#snapshotDuration.observe(labelsOf(timing), timing.seconds);
  }

  revertCompleted(timing: OperationTiming): void {
    this.#revertDuration.observe(labelsOf(timing), timing.seconds);
  }

  operationsInFlight(hypervisor: string, count: number): void {
    this.#inFlight.set({ hypervisor }, count);
  }

  /** Drops a deleted hypervisor's series, so it does not report its last value forever. */
  forgetHypervisor(hypervisor: string): void {
    this.#inFlight.remove({ hypervisor });
  }

  /** `vmKey` is held since `since` (RFC 3339, as in status.hold.since), or free when `since` is undefined. */
  observeHold(vmKey: string, since: string | Date | undefined): void {
    if (since === undefined) {
      this.#holds.delete(vmKey);
      return;
    }
    const time = since instanceof Date ? since.getTime() : Date.parse(since);
    // An unparsable time must not poison the gauge; the VM controller reports bad status elsewhere.
    if (Number.isFinite(time)) this.#holds.set(vmKey, time);
    else this.#holds.delete(vmKey);
  }
}

function labelsOf(timing: OperationTiming) {
  return { driver: timing.driver, memory: String(timing.memory) };
}
