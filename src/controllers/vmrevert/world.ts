// The plain values decideRevertStep takes: built from parsed API objects and one look at the hypervisor at the
// edge of each reconcile (see loaded.ts), so the decision never touches wire objects or drivers.
import type { RevertPhase, RevertStep } from '../../api/vm-revert.ts';
import type { DomainPhase } from '../../drivers/port.ts';
import type { HypervisorView, SnapshotPhase, VmPhase, VmView } from '../views.ts';

export interface RevertView {
  namespace: string;
  name: string;
  uid: string;
  generation: number;
  deleting: boolean;
  hasFinalizer: boolean;
  spec: { snapshotName: string; allowPowerChange: boolean; startAfterRevert: boolean };
  status: {
    phase: RevertPhase | undefined;
    /** Set by the Plan step: once set, the revert is about this VM even if the snapshot goes away. */
    vmName: string | undefined;
    fromPhase: VmPhase | undefined;
    toPhase: VmPhase | undefined;
    steps: readonly RevertStep[];
    completedSteps: readonly RevertStep[];
  };
}

/** The VMSnapshot a revert names, as far as the revert needs it. */
export interface RevertSnapshotView {
  name: string;
  vmName: string;
  phase: SnapshotPhase | undefined;
  /** The snapshot's name on the hypervisor; undefined until it was taken. */
  hypervisorName: string | undefined;
  /** What was actually captured (status.memory) and the VM's phase then (status.vmPhase); set once Ready. */
  memory: boolean | undefined;
  vmPhase: VmPhase | undefined;
}

/**
 * What the hypervisor said about the domain and the snapshot during this reconcile. Looked at only while the
 * revert still has work to do and the VM and its Hypervisor are there and ready.
 */
export type LiveView =
  | {
      ok: true;
      phase: DomainPhase;
      /** Whether the hypervisor still has the snapshot; undefined when the VMSnapshot names none yet. */
      snapshotOnHypervisor: boolean | undefined;
    }
  | { ok: false; reason: string; message: string; retryable: boolean };

export interface RevertWorld {
  revert: RevertView;
  /** undefined: no VMSnapshot of that name in the namespace. */
  snapshot: RevertSnapshotView | undefined;
  /** undefined: the VirtualMachine (status.vmName, else the snapshot's spec.vmName) does not exist. */
  vm: VmView | undefined;
  /** The VirtualMachine's spec.powerState; undefined = observe only. */
  desiredPowerState: 'Running' | 'Stopped' | undefined;
  hypervisor: HypervisorView | undefined;
  /** undefined: not looked at (nothing left to do, or the VM or hypervisor is missing or not ready). */
  live: LiveView | undefined;
}
