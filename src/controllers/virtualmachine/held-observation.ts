/**
 * When a held VM's domain read can wait. Pure.
 *
 * Taking a hold is a status write, so it wakes the VirtualMachine reconciler at the very moment the holder starts
 * its own driver calls on the same host: a domain read then competes with the snapshot for the host's driver
 * sessions, on the snapshot's critical path (issue 3 measured a driver `dominfo` at 29 ms instead of 3). While a
 * holder that still exists holds the VM, nothing here may change its power state anyway (decideVmStep only
 * observes), so the read only refreshes status.phase. It is skipped when this process observed the domain less
 * than `intervalMs` ago and the spec has not changed since: the reconciler requeues for when that observation
 * falls due.
 *
 * What that allows: a phase change made outside vmsnap while the VM is held (a guest shutting itself down during
 * a snapshot) shows in status.phase at the hold's end (its release is a status write, which is observed with a
 * read as usual) or `intervalMs` after the last observation, whichever comes first. That is the delay an unheld
 * VM already has between its periodic observations, so a hold never makes the phase staler than it is otherwise.
 * A spec change, a hold whose holder is gone (released after a fresh read), a VM never observed by this process
 * (a restart) and a VM whose last observation failed are all read at once.
 *
 * Returns the ms until the observation is due when the read can wait, undefined when the domain must be read now.
 */
export function heldObservationDelay(input: {
  held: boolean;
  holderExists: boolean | undefined;
  generation: number;
  observedGeneration: number | undefined;
  /** When this process last observed the domain and wrote what it saw; undefined if never or it failed since. */
  lastObservedAt: number | undefined;
  now: number;
  intervalMs: number;
}): number | undefined {
  if (!input.held || input.holderExists !== true) return undefined;
  if (input.observedGeneration !== input.generation || input.lastObservedAt === undefined) return undefined;
  const dueIn = input.lastObservedAt + input.intervalMs - input.now;
  return dueIn >= 1 ? dueIn : undefined;
}
