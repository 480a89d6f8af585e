import { OperationSlots } from '../controllers/shared/operation-slots.ts';

/** Where a hypervisor's count of running operations goes (VmsnapMetrics.operationsInFlight). */
export interface InFlightObserver {
  operationsInFlight(hypervisor: string, count: number): void;
}

/**
 * OperationSlots that report each hypervisor's count after every acquire and release, so
 * vmsnap_operations_in_flight follows the slots exactly without the reconcilers knowing about metrics.
 */
export class ObservedOperationSlots extends OperationSlots {
  readonly #observer: InFlightObserver;

  constructor(observer: InFlightObserver) {
    super();
    this.#observer = observer;
  }

  override tryAcquire(hypervisor: string, operationKey: string, limit: number, onFree?: () => void): boolean {
    const acquired = super.tryAcquire(hypervisor, operationKey, limit, onFree);
    if (acquired) this.#observer.operationsInFlight(hypervisor, this.inFlight(hypervisor));
    return acquired;
  }

  override release(hypervisor: string, operationKey: string): void {
    super.release(hypervisor, operationKey);
    this.#observer.operationsInFlight(hypervisor, this.inFlight(hypervisor));
  }
}
