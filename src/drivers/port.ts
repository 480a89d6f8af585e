// The HypervisorDriver port: everything vmsnap's controllers may ask of a hypervisor, in plain values.
// It knows nothing of Kubernetes (no objects, no conditions, no zod): the VMSnapshot, VMRevert,
// VirtualMachine and Hypervisor reconcilers translate between their resources and these calls.
//
// Rules every implementation follows (the conformance suite in test/drivers/conformance.ts checks them):
// - Every failure is a DriverError (./errors.ts) with a condition-ready `reason` and `retryable`.
// - Every mutating call is idempotent: calling it again after success (or after a crash mid-call) converges
//   to the same end state instead of failing or duplicating work.
// - Snapshots vmsnap did not make ("foreign": other tools, humans with virsh) are listed but never changed
//   unless a caller names them exactly.
// - A snapshot is not a VM state: snapshot calls never leave the VM in a different power state than they
//   found it, except revertTo, whose end state the caller chooses.

import type { SnapshotTaskJournal } from './snapshot-task-journal.ts';

export { DriverError, type DriverErrorReason, isDriverError } from './errors.ts';

/** The VM's lifecycle phase as the hypervisor reports it. Never "Snapshotting" or "Reverting". */
export type DomainPhase = 'Running' | 'Stopped' | 'Paused' | 'Suspended' | 'Unknown';

/**
 * Why a paused VM is paused, where the hypervisor says so.
 * `Saving`: a snapshot/save was in progress (libvirt `paused (saving)`); with no operation running any more, an
 * interrupted snapshot left the VM behind and `recover()` resumes it. `Snapshot`: paused while a snapshot is
 * being taken (libvirt `paused (snapshot)`). `FromSnapshot`: reverted to a snapshot taken while paused, on
 * purpose. `User`: someone paused it on purpose. `Other`: anything else (I/O error, migration, ...).
 */
export type PausedReason = 'Saving' | 'Snapshot' | 'FromSnapshot' | 'User' | 'Other';

export interface DomainInfo {
  uuid: string;
  name: string;
  phase: DomainPhase;
  /** Set only when phase is Paused. */
  pausedReason?: PausedReason;
  /** The hypervisor's own state text for humans and logs, e.g. `paused (saving)`, `shut off (crashed)`. */
  stateDetail: string;
}

/** Who made a snapshot, as vmsnap wrote it into the snapshot's description. */
export interface SnapshotOwner {
  /** The VMSnapshot's metadata.uid: the identity idempotency is keyed on. */
  uid: string;
  namespace: string;
  name: string;
}

export interface SnapshotInfo {
  /** The snapshot's name on the hypervisor: unique within the domain, the key for every other call. */
  name: string;
  /** The human description: what the owner asked for, or the raw description of a foreign snapshot. */
  description: string;
  /** The parent snapshot's name on the hypervisor; undefined for a root. */
  parent?: string;
  /**
   * Whether reverting restores memory (the VM resumes where it was). false for disk-only snapshots, including
   * a disk-only snapshot of a running VM that the driver recorded internally with memory (see createSnapshot).
   */
  memory: boolean;
  /** The VM's phase when the snapshot was taken. */
  vmPhase: DomainPhase;
  /** RFC 3339, UTC, whole seconds: when the snapshot operation started. */
  creationTime: string;
  /** The domain's current snapshot (the one last taken or reverted to). */
  current: boolean;
  /** internal: stored inside the disk images; external: overlay files (libvirt < 9.9 cannot revert these). */
  location: 'internal' | 'external';
  /** Present only on snapshots vmsnap made; undefined means foreign. */
  owner?: SnapshotOwner;
}

export interface CreateSnapshotRequest {
  /** Deterministic, e.g. `vs-<uid>`; see isValidSnapshotName. */
  name: string;
  owner: SnapshotOwner;
  /** Free text from the user; may be empty or multi-line. */
  description: string;
  /** Capture memory and device state. The VM must be Running or Paused, else MemoryRequiresRunningVM. */
  memory: boolean;
  /** Freeze guest filesystems through the guest agent; QuiesceUnavailable without a responding agent. */
  quiesce: boolean;
  /**
   * false: the caller knows no earlier attempt of this request can have reached the hypervisor (the VMSnapshot
   * controller takes the VM's hold before every call and keeps it until the snapshot is done, so an attempt
   * right after taking the hold is the first), and the
   * driver may skip looking for what such an attempt left behind (libvirt: its own snapshot record and an orphan
   * tag in the disk image, two round trips). Omitted or true: look, as after a crash. A foreign snapshot holding
   * the name still fails with SnapshotNameConflict either way.
   */
  mayExist?: boolean;
}

export type RevertFinalState = 'Running' | 'Paused' | 'Stopped';

export interface RevertOptions {
  /**
   * The state the VM ends in. The revert controller derives it from the snapshot and the VM's desired power
   * state (API.md, "the four revert cases"); the driver only makes it so, in as few hypervisor steps as it can.
   * Stopped + a memory snapshot: the disk is the snapshot's, the memory state is discarded.
   * Running + a disk-only snapshot: the VM boots fresh from the snapshot's disk.
   */
  finalState: RevertFinalState;
}

export interface StopOptions {
  /** true: pull the plug (immediate). false: ask the guest to shut down (ACPI) and return at once; the
   * caller observes the phase and escalates to force when its grace period ends. */
  force: boolean;
}

export interface HypervisorCapabilities {
  /** Snapshots can include memory and device state. */
  memorySnapshots: boolean;
  /** Filesystem quiescing through a guest agent is supported by the hypervisor (each VM still needs an agent). */
  quiesce: boolean;
  /** External (overlay) snapshots can be reverted (libvirt >= 9.9). */
  revertExternal: boolean;
  /** The hypervisor's own per-VM snapshot limit; undefined = none. */
  maxSnapshotsPerVM?: number;
}

export interface ProbeResult {
  /** What the endpoint reports, for status.version, e.g. `libvirt 9.0.0, QEMU 7.2.0`. */
  version: string;
  capabilities: HypervisorCapabilities;
}

export type RecoveryAction =
  /** The VM was `paused (saving)` with no snapshot job running: an interrupted snapshot left it; resumed. */
  'ResumedInterruptedSave';

export interface RecoveryResult {
  /** What recover() changed; empty when the VM needed nothing. */
  actions: RecoveryAction[];
  domain: DomainInfo;
}

/** What the domain's power calls return: the domain as it is after the call. */
export type PowerResult = DomainInfo;

/**
 * One connection to one hypervisor endpoint. `domain` arguments are a name or a UUID.
 * Calls on different domains may run concurrently; calls on the same domain are serialised by the callers
 * (the VM's hold), not by the driver.
 */
export interface HypervisorDriver {
  /** Version and probed capabilities. HypervisorUnreachable if the endpoint does not answer. */
  probe(): Promise<ProbeResult>;

  /** DomainNotFound if no domain has this name or UUID. */
  getDomain(domain: string): Promise<DomainInfo>;

  /** All snapshots of the domain, vmsnap's and foreign ones, in no particular order. */
  listSnapshots(domain: string): Promise<SnapshotInfo[]>;

  /** One snapshot by its exact name; undefined when the domain has none by that name. */
  getSnapshot(domain: string, name: string): Promise<SnapshotInfo | undefined>;

  /**
   * Takes a snapshot named `request.name`.
   *
   * Idempotency: if a snapshot with this name and the same owner uid exists, returns it unchanged. If another
   * owner (or a foreign tool) holds the name: SnapshotNameConflict. If the snapshot is in the disk image but the
   * hypervisor has no record of it (a crash between writing the image and writing the metadata), the driver
   * adopts it or deletes and retakes it, so a retry after any crash converges to one snapshot with this name.
   * A VM an interrupted attempt left paused (Saving/Snapshot) is resumed first, as recover() would.
   *
   * Memory: memory=true needs a Running or Paused VM (MemoryRequiresRunningVM otherwise). memory=false on a
   * Running/Paused VM is recorded as a disk-only snapshot (SnapshotInfo.memory=false) even where the
   * hypervisor must store memory to keep it revertable (libvirt < 9.9: internal snapshot with memory); reverting
   * to it never resumes that memory.
   *
   * Failures (MemoryRequiresRunningVM, QuiesceUnavailable, UnsupportedDiskFormat, InvalidSnapshotName,
   * SnapshotLimitReached) leave no snapshot behind and the VM in the phase it had.
   */
  createSnapshot(domain: string, request: CreateSnapshotRequest): Promise<SnapshotInfo>;

  /**
   * Deletes exactly the named snapshot (never its children: they re-attach to its parent), including a tag of
   * that name an interrupted create left in the disk image. Returns whether anything was deleted: missing =
   * success, false. With `ownerUid`, refuses (SnapshotNotOwned) unless the snapshot carries that owner uid.
   */
  deleteSnapshot(domain: string, name: string, options?: { ownerUid?: string }): Promise<boolean>;

  /**
   * Reverts the domain to the named snapshot and leaves it in `options.finalState`.
   * Checks that the snapshot exists (in the hypervisor's records and in the disk images) BEFORE touching the VM:
   * SnapshotNotFound / SnapshotInconsistent leave the VM exactly as it was.
   * Idempotency: repeating a revert repeats it (the VM loses what happened since); the revert controller records
   * the step as done before re-running, so it does not call this twice for one VMRevert.
   */
  revertTo(domain: string, name: string, options: RevertOptions): Promise<DomainInfo>;

  /** Boots a Stopped (or Suspended) VM. Idempotent: a Running VM is fine; a Paused one is left paused (use resume). */
  start(domain: string): Promise<PowerResult>;
  /** Idempotent: a Stopped VM is fine. Paused VMs stop too. */
  stop(domain: string, options: StopOptions): Promise<PowerResult>;
  /** Idempotent: a Paused VM is fine. InvalidDomainState when the VM is Stopped. */
  pause(domain: string): Promise<PowerResult>;
  /** Idempotent: a Running VM is fine. InvalidDomainState when the VM is Stopped. */
  resume(domain: string): Promise<PowerResult>;

  /**
   * Undoes what an interrupted snapshot left on the VM: resumes a VM paused for reason Saving or Snapshot
   * (libvirt `paused (saving)` / `paused (snapshot)`). A VM paused by a user (or reverted to a paused snapshot)
   * stays paused. Call it only while holding the VM (no snapshot of yours is running on it); returns what it did.
   */
  recover(domain: string): Promise<RecoveryResult>;

  /** Releases connections and temporary files. The driver is unusable afterwards. */
  close(): Promise<void>;
}

/** How to reach a hypervisor: the Hypervisor resource's spec, resolved (secret data read by the caller). */
export interface DriverConnection {
  driver: string;
  /** e.g. `qemu:///system`, `qemu+ssh://root@kvm-01/system`, `sim://lab-1`. */
  uri: string;
  /**
   * Secret data, by key. libvirt over SSH: `ssh-privatekey` (and optionally `known_hosts`), the keys of a
   * `kubernetes.io/ssh-auth` Secret.
   */
  credentials?: Readonly<Record<string, string>>;
  /** Hypervisor.spec.insecureSkipTLSVerify: a TLS-speaking driver (vsphere) does not verify the endpoint. */
  insecureSkipTLSVerify?: boolean;
}

/** What the operator hands every driver it builds, beyond the connection (all optional). */
export interface DriverContext {
  /** Persists hypervisor tasks of snapshots in flight across operator restarts (./snapshot-task-journal.ts). */
  snapshotTaskJournal?: SnapshotTaskJournal;
}

export type DriverFactory = (connection: DriverConnection, context?: DriverContext) => HypervisorDriver;

/**
 * Names vmsnap accepts for snapshots it creates: short ASCII that every hypervisor stores safely
 * (libvirt's metadata file names break on long names; `/` is forbidden).
 */
export const SNAPSHOT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isValidSnapshotName(name: string): boolean {
  return SNAPSHOT_NAME_PATTERN.test(name);
}
