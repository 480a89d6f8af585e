import type { VirtualMachine, VirtualMachineStatusWire } from '../../api/virtual-machine.ts';
import { setConditions } from '../../runtime/conditions.ts';
import { isConflict } from '../../runtime/kube-error.ts';
import type { StatusWriter } from '../../runtime/status-writer.ts';
import type { HoldView } from '../views.ts';
import { holdConditions } from './hold-conditions.ts';
import { type ApiObject, VIRTUAL_MACHINES } from './resources.ts';

/** A copy of the VM's status that a writer may change without touching the parsed value. */
export function copyVmStatus(
  vm: VirtualMachine,
): VirtualMachineStatusWire & { conditions: NonNullable<VirtualMachineStatusWire['conditions']> } {
  return {
    ...vm.status,
    ...(vm.status.hold ? { hold: { ...vm.status.hold, holder: { ...vm.status.hold.holder } } } : {}),
    conditions: vm.status.conditions.map((c) => ({ ...c })),
  };
}

/** Sets or clears status.hold together with the Snapshotting/Reverting conditions it implies. */
export function applyHold(
  status: VirtualMachineStatusWire & { conditions: NonNullable<VirtualMachineStatusWire['conditions']> },
  hold: HoldView | undefined,
  generation: number,
  now: Date,
): void {
  if (hold) status.hold = hold;
  else delete status.hold;
  setConditions(status.conditions, holdConditions(hold, generation), now);
}

/**
 * Replaces the VM's status, guarded by the resourceVersion `raw` was read at. Returns the VM as the server
 * returned it (`raw` when nothing changed), or undefined when someone else wrote the VM first (409): the caller
 * requeues and decides again on fresh state. This guard is what makes the hold a lock: of two writers racing to
 * take it, exactly one succeeds.
 */
export async function writeVmStatusGuarded(
  writer: StatusWriter,
  raw: ApiObject,
  status: VirtualMachineStatusWire,
): Promise<ApiObject | undefined> {
  try {
    const result = await writer.replace(VIRTUAL_MACHINES, raw, status as unknown as Record<string, unknown>);
    return result.object;
  } catch (error) {
    if (isConflict(error)) return undefined;
    throw error;
  }
}
