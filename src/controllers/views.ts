// Plain values the reconcilers decide on. They are built from parsed API objects at the edge (src/api parse
// functions) and carry only what decisions need, so decision code never touches wire objects.

export type VmPhase = 'Running' | 'Stopped' | 'Paused' | 'Suspended' | 'Unknown';

export interface HolderRef {
  kind: 'VMSnapshot' | 'VMRevert';
  name: string;
  uid: string;
}

export interface HoldView {
  operation: 'Snapshot' | 'RevertTo';
  holder: HolderRef;
  since: string;
}

export interface VmView {
  namespace: string;
  name: string;
  uid: string;
  hypervisorName: string;
  domain: string;
  /** undefined until the VM controller has observed the domain once. */
  phase: VmPhase | undefined;
  hold: HoldView | undefined;
  currentSnapshot: string | undefined;
  /** spec.maxSnapshots; undefined = the hypervisor's own limit applies (capabilities.maxSnapshotsPerVM), if any. */
  maxSnapshots?: number | undefined;
}

export interface HypervisorView {
  name: string;
  ready: boolean;
  notReadyMessage?: string;
  maxConcurrentOperations: number;
  capabilities: {
    memorySnapshots: boolean;
    quiesce: boolean;
    /** The driver's per-VM snapshot limit (status.capabilities.maxSnapshotsPerVM); undefined = none. */
    maxSnapshotsPerVM?: number | undefined;
  };
}

export type SnapshotPhase = 'Pending' | 'InProgress' | 'Ready' | 'Failed' | 'Deleting';

export interface SnapshotView {
  namespace: string;
  name: string;
  uid: string;
  generation: number;
  createdAt: Date;
  deleting: boolean;
  hasFinalizer: boolean;
  spec: {
    vmName: string;
    memory: boolean;
    quiesce: boolean;
    description: string;
    deletionPolicy: 'Delete' | 'Retain';
    /** 0 = no deadline */
    failureDeadlineMs: number;
  };
  status: {
    phase: SnapshotPhase | undefined;
    snapshotName: string | undefined;
    /**
     * status.startTime: when the operation started on the hypervisor (it had a slot and called the driver);
     * undefined before that. The failureDeadline that fails a snapshot counts from here, not from creation.
     */
    startedAt?: Date;
  };
}
