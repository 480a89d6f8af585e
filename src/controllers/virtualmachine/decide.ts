import type { PausedReason } from '../../drivers/port.ts';
import type { HoldView, VmPhase } from '../views.ts';

/**
 * The VirtualMachine reconciler's next step after observing the domain. Pure.
 *
 * Rules from the seed thread:
 * - status.phase is what the hypervisor reports (a lifecycle phase) and nothing else.
 * - While the VM is held, nothing here changes its power state; the status says who holds it.
 * - A hold whose holder is GONE (deleted, or a different object with the same name) is released here, so no hold
 *   ever needs a human. A holder that still exists releases its own hold: releasing it here would race the
 *   holder's last step (moving currentSnapshot) and lose it.
 * - A domain left `paused (saving)` by an interrupted snapshot is resumed, but only when no operation holds it
 *   (a running snapshot legitimately pauses the VM).
 */
export type VmStep =
  | { kind: 'ReleaseStaleHold'; message: string }
  | { kind: 'Recover' }
  | { kind: 'PowerOn' }
  | { kind: 'PowerOff' }
  | { kind: 'Observe'; heldMessage?: string };

export interface VmWorld {
  observedPhase: VmPhase;
  pausedReason: PausedReason | undefined;
  desiredPowerState: 'Running' | 'Stopped' | undefined;
  hold: HoldView | undefined;
  /** Whether the holder named by the hold still exists with the same uid (undefined when there is no hold). */
  holderExists: boolean | undefined;
}

export function decideVmStep(world: VmWorld): VmStep {
  const { hold } = world;
  if (hold !== undefined && world.holderExists === false) {
    return {
      kind: 'ReleaseStaleHold',
      message: `released the hold of ${hold.holder.kind} "${hold.holder.name}" (${hold.operation}): the holder no longer exists`,
    };
  }
  if (hold !== undefined) {
    return { kind: 'Observe', heldMessage: heldMessage(hold) };
  }
  if (world.observedPhase === 'Paused' && world.pausedReason === 'Saving') return { kind: 'Recover' };

  switch (world.desiredPowerState) {
    case 'Running':
      return world.observedPhase === 'Running' ? { kind: 'Observe' } : { kind: 'PowerOn' };
    case 'Stopped':
      return world.observedPhase === 'Stopped' ? { kind: 'Observe' } : { kind: 'PowerOff' };
    default:
      return { kind: 'Observe' };
  }
}

export function heldMessage(hold: HoldView): string {
  return `held by ${hold.holder.kind} "${hold.holder.name}" (${hold.operation}) since ${hold.since}: power state changes wait until it is released`;
}
