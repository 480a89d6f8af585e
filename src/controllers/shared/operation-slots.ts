/**
 * Bounds how many snapshot/revert operations run at once on each hypervisor (Hypervisor
 * spec.maxConcurrentOperations). A reconcile that finds no free slot does not block a worker: it requeues, so
 * workers stay free for VMs on other hosts.
 *
 * Slots live in this process only. That is enough: only the leader reconciles, and after a crash no operation of
 * the dead process is running any more (a half-done one is resumed by the next reconcile, which takes a slot).
 */
export class OperationSlots {
  private readonly inUse = new Map<string, Set<string>>();

  /**
   * Takes a slot on `hypervisor` for `operationKey` (e.g. the VMSnapshot's key); true when it got one. Taking a
   * slot it already holds succeeds, so a retried reconcile does not count twice.
   */
  tryAcquire(hypervisor: string, operationKey: string, limit: number): boolean {
    const holders = this.holders(hypervisor);
    if (holders.has(operationKey)) return true;
    if (holders.size >= Math.max(1, limit)) return false;
    holders.add(operationKey);
    return true;
  }

  release(hypervisor: string, operationKey: string): void {
    const holders = this.inUse.get(hypervisor);
    if (!holders) return;
    holders.delete(operationKey);
    if (holders.size === 0) this.inUse.delete(hypervisor);
  }

  inFlight(hypervisor: string): number {
    return this.inUse.get(hypervisor)?.size ?? 0;
  }

  private holders(hypervisor: string): Set<string> {
    let holders = this.inUse.get(hypervisor);
    if (!holders) {
      holders = new Set();
      this.inUse.set(hypervisor, holders);
    }
    return holders;
  }
}
