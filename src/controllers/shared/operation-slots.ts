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
  /** Per hypervisor, who found no free slot and how to wake them, oldest first (Map keeps insertion order). */
  private readonly waiting = new Map<string, Map<string, () => void>>();

  /**
   * Takes a slot on `hypervisor` for `operationKey` (e.g. the VMSnapshot's key); true when it got one. Taking a
   * slot it already holds succeeds, so a retried reconcile does not count twice. A caller that gets none may
   * pass `onFree`: the next release on that hypervisor calls the longest-waiting one (once; it must ask again).
   * Without it, or if the woken caller does not take the slot, callers find free slots by polling as before.
   */
  tryAcquire(hypervisor: string, operationKey: string, limit: number, onFree?: () => void): boolean {
    const holders = this.holders(hypervisor);
    if (holders.has(operationKey)) return true;
    if (holders.size >= Math.max(1, limit)) {
      if (onFree) this.waiters(hypervisor).set(operationKey, onFree);
      return false;
    }
    holders.add(operationKey);
    this.waiting.get(hypervisor)?.delete(operationKey);
    return true;
  }

  release(hypervisor: string, operationKey: string): void {
    const holders = this.inUse.get(hypervisor);
    if (!holders?.delete(operationKey)) return;
    if (holders.size === 0) this.inUse.delete(hypervisor);
    this.wakeNext(hypervisor);
  }

  /**
   * Where `operationKey` stands among the operations waiting for a slot on `hypervisor` that asked to be woken
   * (1 = next); undefined when it is not waiting there.
   */
  queuePosition(hypervisor: string, operationKey: string): number | undefined {
    const keys = [...(this.waiting.get(hypervisor)?.keys() ?? [])];
    const index = keys.indexOf(operationKey);
    return index < 0 ? undefined : index + 1;
  }

  /** Operations waiting for a slot on `hypervisor` that asked to be woken. */
  waitingFor(hypervisor: string): number {
    return this.waiting.get(hypervisor)?.size ?? 0;
  }

  private wakeNext(hypervisor: string): void {
    const waiters = this.waiting.get(hypervisor);
    const next = waiters?.entries().next().value;
    if (!waiters || !next) return;
    const [key, wake] = next;
    waiters.delete(key);
    if (waiters.size === 0) this.waiting.delete(hypervisor);
    wake();
  }

  private waiters(hypervisor: string): Map<string, () => void> {
    let waiters = this.waiting.get(hypervisor);
    if (!waiters) {
      waiters = new Map();
      this.waiting.set(hypervisor, waiters);
    }
    return waiters;
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
