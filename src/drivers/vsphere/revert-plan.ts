// The power steps after RevertToSnapshot_Task(suppressPowerOn: true). What the revert leaves differs between
// servers (real vSphere: "not powered on regardless of the power state when the snapshot was created", i.e. off,
// or suspended holding a memory snapshot's state; vcsim: power unchanged), so the steps are computed from the
// power state read back, never assumed.

import type { RevertFinalState } from '../port.ts';
import type { VimPowerState } from './snapshot-tree.ts';

export type PowerStep = 'PowerOff' | 'PowerOn';

export function powerStepsAfterRevert(input: {
  /** The power state read right after the revert task. */
  after: VimPowerState | string;
  /** The snapshot restores memory (taken powered on, with memory, by vmsnap's intent). */
  memory: boolean;
  finalState: Exclude<RevertFinalState, 'Paused'>;
}): PowerStep[] {
  const { after, memory, finalState } = input;
  if (finalState === 'Stopped') return after === 'poweredOff' ? [] : ['PowerOff'];
  if (after === 'poweredOff') return ['PowerOn'];
  // A memory snapshot: powering on a suspended VM resumes the snapshot's memory.
  if (memory) return after === 'poweredOn' ? [] : ['PowerOn'];
  // A disk-only snapshot must boot fresh from its disk: whatever runs (or is suspended) now is not its state.
  return ['PowerOff', 'PowerOn'];
}
