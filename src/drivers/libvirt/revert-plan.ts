// The virsh steps that take a domain to a snapshot and leave it in the requested final state. Pure, so every
// combination is unit-tested without a hypervisor. Facts (libvirt 9.0): `snapshot-revert` of a memory snapshot
// restores the saved run state (`--running`/`--paused` override it); of an offline snapshot it leaves the
// domain shut off (`--running` boots it fresh). A disk-only snapshot of a running VM is stored WITH memory
// (internal disk-only snapshots of live VMs do not exist), so its revert goes through `--paused` + destroy:
// the disk is then exactly the snapshot's and the memory is never resumed.

import type { RevertFinalState } from '../port.ts';

export type RevertStep = 'Revert' | 'RevertRunning' | 'RevertPaused' | 'Destroy' | 'Start' | 'StartPaused';

export interface RevertPlanInput {
  /** The snapshot holds memory (libvirt `<memory snapshot='internal'>`). */
  storedMemory: boolean;
  /** vmsnap recorded it as disk-only although memory is stored (disk-only snapshot of a running VM). */
  diskOnlyIntent: boolean;
  finalState: RevertFinalState;
}

export function planRevert({ storedMemory, diskOnlyIntent, finalState }: RevertPlanInput): RevertStep[] {
  if (!storedMemory) {
    if (finalState === 'Running') return ['RevertRunning'];
    if (finalState === 'Paused') return ['RevertPaused'];
    return ['Revert'];
  }
  if (finalState === 'Stopped') return ['RevertPaused', 'Destroy'];
  if (diskOnlyIntent) return ['RevertPaused', 'Destroy', finalState === 'Running' ? 'Start' : 'StartPaused'];
  return [finalState === 'Running' ? 'RevertRunning' : 'RevertPaused'];
}
