// Names the revert controller stamps on objects.

/**
 * Keeps a VMRevert while it may hold its VM, so that deleting it mid-way releases the hold only after the driver
 * call in flight returned. Removed as soon as the revert let go of the VM (Succeeded or Failed).
 */
export const REVERT_FINALIZER = 'vmsnap.io/revert-protection';

/**
 * The key a revert takes an operation slot under. Slots are shared with the snapshot controller, whose keys are
 * `namespace/name` too: the prefix keeps a VMRevert and a VMSnapshot of the same name from sharing one slot.
 */
export function revertSlotKey(key: string): string {
  return `VMRevert:${key}`;
}
