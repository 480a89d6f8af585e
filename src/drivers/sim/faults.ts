// Fault injection for the simulated hypervisor: tests arm a named point, the simulator trips it when an
// operation reaches that point. Points mirror where real hypervisors fail (see docs/drivers/libvirt.md).

import { DriverError } from '../errors.ts';

export type SimFaultPoint =
  /** Every call fails with HypervisorUnreachable (daemon down, network gone). */
  | 'unreachable'
  /** createSnapshot fails before anything is written. */
  | 'beforeCreate'
  /**
   * The crash window: the snapshot is written into the disk image but the hypervisor's record is not, the
   * call fails with HypervisorUnreachable and a running VM is left `paused (saving)` (libvirtd killed mid-save).
   */
  | 'afterImageWriteBeforeMetadata'
  /** deleteSnapshot fails before anything is removed. */
  | 'beforeDelete'
  /** revertTo fails after its checks, before the VM is touched. */
  | 'beforeRevert'
  /** start/stop/pause/resume fail before the VM is touched. */
  | 'beforePowerChange';

export interface FaultOptions {
  /** Only calls on this domain (name or UUID) trip it; default any domain. */
  domain?: string;
  /** How many times it trips before disarming itself; default 1 (`Infinity` = until cleared). */
  times?: number;
  /** The error thrown; default per point (HypervisorUnreachable for the crash window and `unreachable`). */
  error?: DriverError;
}

interface ArmedFault {
  domain: string | undefined;
  remaining: number;
  error: DriverError | undefined;
}

export class FaultInjector {
  private readonly armed = new Map<SimFaultPoint, ArmedFault[]>();

  arm(point: SimFaultPoint, options: FaultOptions = {}): void {
    const list = this.armed.get(point) ?? [];
    list.push({ domain: options.domain, remaining: options.times ?? 1, error: options.error });
    this.armed.set(point, list);
  }

  clear(point?: SimFaultPoint): void {
    if (point) this.armed.delete(point);
    else this.armed.clear();
  }

  /**
   * Whether `point` trips for a call on a domain known by `domainKeys` (its name and UUID); consumes one trip.
   * Returns the error to throw, or undefined.
   */
  trip(point: SimFaultPoint, domainKeys: readonly string[] = []): DriverError | undefined {
    const list = this.armed.get(point);
    if (!list) return undefined;
    const index = list.findIndex((f) => f.domain === undefined || domainKeys.includes(f.domain));
    const fault = list[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) list.splice(index, 1);
    return fault.error ?? defaultError(point);
  }
}

function defaultError(point: SimFaultPoint): DriverError {
  if (point === 'unreachable' || point === 'afterImageWriteBeforeMetadata') {
    return new DriverError('HypervisorUnreachable', 'simulated hypervisor unreachable', {
      hypervisorMessage: `injected fault ${point}: connection lost`,
    });
  }
  return new DriverError('DriverFailure', 'simulated hypervisor failure', {
    hypervisorMessage: `injected fault ${point}`,
  });
}
