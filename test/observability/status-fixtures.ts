/**
 * Status objects for every phase of every vmsnap kind, written the way the controllers write them, and what the
 * GitOps tools must read from each. The kstatus test and the Argo CD health-check test both run over this list.
 *
 * Condition conventions (src/api/conditions.ts, src/runtime/conditions.ts):
 * - Every kind carries the kstatus trio Ready / Reconciling / Stalled, set together by `readyConditions` so that
 *   exactly one is True: Ready=True (done, healthy), Reconciling=True (working or waiting, will get there on its
 *   own), Stalled=True (cannot progress until someone changes something: a Failed snapshot or revert, or a
 *   snapshot that waited past its failureDeadline). All three carry observedGeneration.
 * - status.observedGeneration is the generation the controller last acted on; a lag means "not yet looked at".
 * - The controllers write the trio on first sight (Pending, Reconciling=True), because kstatus counts an object
 *   with no known conditions as Current: the fixture "just created" shows that gap.
 * - A VirtualMachine's Snapshotting / Reverting conditions come from status.hold alone; a held VM is healthy
 *   (Ready=True): the hold is an operation on it, not a state of it.
 * - Deletion is read from metadata.deletionTimestamp (kstatus: Terminating; Argo CD: Progressing).
 * - Argo CD's extra words: a VirtualMachine whose domain is not on the hypervisor (reason DomainNotFound) is
 *   Missing.
 */
import { Reason } from '../../src/api/conditions.ts';
import { holdConditions } from '../../src/controllers/shared/hold-conditions.ts';
import {
  type Condition,
  type ConditionUpdate,
  type KstatusResult,
  type ReadyState,
  readyConditions,
  setConditions,
} from '../../src/runtime/conditions.ts';

export type VmsnapKind = 'Hypervisor' | 'VirtualMachine' | 'VMSnapshot' | 'VMRevert';
export type ArgoHealth = 'Healthy' | 'Progressing' | 'Degraded' | 'Missing' | 'Suspended' | 'Unknown';

export interface StatusFixture {
  kind: VmsnapKind;
  /** What the object is going through, for test names. */
  title: string;
  object: FixtureObject;
  kstatus: KstatusResult;
  argo: ArgoHealth;
  /** A piece of the Argo CD health message, so the UI says why. */
  argoMessage?: string;
}

export interface FixtureObject {
  apiVersion: 'vmsnap.io/v1alpha1';
  kind: VmsnapKind;
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    generation: number;
    creationTimestamp: string;
    deletionTimestamp?: string;
    finalizers?: string[];
  };
  spec: Record<string, unknown>;
  status?: Record<string, unknown> & { observedGeneration?: number; conditions?: Condition[] };
}

const CREATED = '2026-11-24T09:59:58Z';
const NOW = new Date('2026-11-24T10:00:05Z');
const HOLD_SINCE = '2026-11-24T10:00:00Z';

/** The trio as `readyConditions` writes it, plus any extra conditions (hold conditions on a VM). */
function conditions(
  state: ReadyState,
  reason: string,
  message: string,
  generation: number,
  extra: ConditionUpdate[] = [],
): Condition[] {
  const list: Condition[] = [];
  setConditions(
    list,
    [...readyConditions(state, { reason, message, observedGeneration: generation }), ...extra],
    NOW,
  );
  return list;
}

function object(
  kind: VmsnapKind,
  name: string,
  spec: Record<string, unknown>,
  status: FixtureObject['status'],
  meta: { namespaced?: boolean; generation?: number; deleting?: boolean } = {},
): FixtureObject {
  return {
    apiVersion: 'vmsnap.io/v1alpha1',
    kind,
    metadata: {
      name,
      ...(meta.namespaced === false ? {} : { namespace: 'prod' }),
      uid: `uid-${name}`,
      generation: meta.generation ?? 1,
      creationTimestamp: CREATED,
      ...(meta.deleting
        ? { deletionTimestamp: '2026-11-24T10:00:04Z', finalizers: ['vmsnap.io/snapshot-protection'] }
        : {}),
    },
    spec,
    ...(status === undefined ? {} : { status }),
  };
}

// --- VMSnapshot ------------------------------------------------------------------------------------------------
const snapshotSpec = {
  vmName: 'web-1',
  memory: true,
  quiesce: false,
  deletionPolicy: 'Delete',
  failureDeadline: '10m',
};
const snapshot = (name: string, status: FixtureObject['status'], meta?: { deleting?: boolean }) =>
  object('VMSnapshot', name, snapshotSpec, status, meta);
const snapshotStatus = (phase: string, state: ReadyState, reason: string, message: string, more = {}) => ({
  phase,
  observedGeneration: 1,
  ...more,
  conditions: conditions(state, reason, message, 1),
});
const taken = {
  snapshotName: 'vs-uid-before-upgrade',
  parent: '',
  memory: true,
  vmPhase: 'Running',
  creationTime: '2026-11-24T10:00:03Z',
};

const vmSnapshots: StatusFixture[] = [
  {
    kind: 'VMSnapshot',
    title: 'just created, not yet seen by the operator (no status)',
    object: snapshot('fresh', undefined),
    // kstatus's own rule: no known conditions -> Current. Argo CD is told to wait for the operator instead.
    kstatus: 'Current',
    argo: 'Progressing',
    argoMessage: 'Waiting for the vmsnap operator',
  },
  {
    kind: 'VMSnapshot',
    title: 'Pending on first sight',
    object: snapshot('pending', snapshotStatus('Pending', 'InProgress', Reason.Pending, 'waiting to start')),
    kstatus: 'InProgress',
    argo: 'Progressing',
    argoMessage: 'waiting to start',
  },
  {
    kind: 'VMSnapshot',
    title: 'Pending while another operation holds the VM',
    object: snapshot(
      'queued',
      snapshotStatus(
        'Pending',
        'InProgress',
        Reason.VMHeld,
        'VirtualMachine "web-1" is held by VMRevert "undo"',
      ),
    ),
    kstatus: 'InProgress',
    argo: 'Progressing',
    argoMessage: 'VMHeld',
  },
  {
    kind: 'VMSnapshot',
    title: 'Pending past its failureDeadline (stalled)',
    object: snapshot(
      'stuck',
      snapshotStatus(
        'Pending',
        'Stalled',
        Reason.VMNotFound,
        'VirtualMachine "web-1" not found in namespace "prod"; failureDeadline 10m passed',
      ),
    ),
    kstatus: 'Failed',
    argo: 'Degraded',
    argoMessage: 'VMNotFound',
  },
  {
    kind: 'VMSnapshot',
    title: 'InProgress on the hypervisor',
    object: snapshot(
      'running',
      snapshotStatus(
        'InProgress',
        'InProgress',
        Reason.SnapshotInProgress,
        'creating snapshot vs-uid-running',
      ),
    ),
    kstatus: 'InProgress',
    argo: 'Progressing',
  },
  {
    kind: 'VMSnapshot',
    title: 'Ready',
    object: snapshot(
      'before-upgrade',
      snapshotStatus('Ready', 'Ready', Reason.SnapshotReady, 'snapshot vs-uid-before-upgrade is ready', {
        readyToUse: true,
        ...taken,
      }),
    ),
    kstatus: 'Current',
    argo: 'Healthy',
    argoMessage: 'vs-uid-before-upgrade',
  },
  {
    kind: 'VMSnapshot',
    title: 'Failed',
    object: snapshot(
      'broken',
      snapshotStatus('Failed', 'Stalled', Reason.QuiesceFailed, 'the guest agent did not answer', {
        readyToUse: false,
        error: { message: 'the guest agent did not answer', time: '2026-11-24T10:00:04Z' },
      }),
    ),
    kstatus: 'Failed',
    argo: 'Degraded',
    argoMessage: 'QuiesceFailed: the guest agent did not answer',
  },
  {
    kind: 'VMSnapshot',
    title: 'Failed by its deadline',
    object: snapshot(
      'too-slow',
      snapshotStatus(
        'Failed',
        'Stalled',
        Reason.DeadlineExceeded,
        'the snapshot did not complete within its failureDeadline (10m)',
        { readyToUse: false },
      ),
    ),
    kstatus: 'Failed',
    argo: 'Degraded',
  },
  {
    kind: 'VMSnapshot',
    title: 'Deleting',
    object: snapshot(
      'going',
      snapshotStatus('Deleting', 'InProgress', Reason.Deleting, 'the VMSnapshot is being deleted', taken),
      { deleting: true },
    ),
    kstatus: 'Terminating',
    argo: 'Progressing',
    argoMessage: 'Pending deletion',
  },
];

// --- VMRevert --------------------------------------------------------------------------------------------------
const revertSpec = { snapshotName: 'before-upgrade', allowPowerChange: true, startAfterRevert: false };
const revertStatus = (phase: string, state: ReadyState, reason: string, message: string, more = {}) => ({
  phase,
  observedGeneration: 1,
  vmName: 'web-1',
  ...more,
  conditions: conditions(state, reason, message, 1),
});
const plan = { fromPhase: 'Running', toPhase: 'Stopped', steps: ['StopVM', 'RevertTo'] };

const vmReverts: StatusFixture[] = [
  {
    kind: 'VMRevert',
    title: 'Pending',
    object: object(
      'VMRevert',
      'rollback',
      revertSpec,
      revertStatus('Pending', 'InProgress', Reason.Pending, 'waiting for the VM hold', {
        ...plan,
        completedSteps: [],
      }),
    ),
    kstatus: 'InProgress',
    argo: 'Progressing',
  },
  {
    kind: 'VMRevert',
    title: 'Reverting',
    object: object(
      'VMRevert',
      'rollback',
      revertSpec,
      revertStatus('Reverting', 'InProgress', Reason.RevertInProgress, 'step 2 of 2: RevertTo', {
        ...plan,
        completedSteps: ['StopVM'],
        startTime: '2026-11-24T10:00:01Z',
      }),
    ),
    kstatus: 'InProgress',
    argo: 'Progressing',
    argoMessage: 'RevertTo',
  },
  {
    kind: 'VMRevert',
    title: 'Succeeded',
    object: object(
      'VMRevert',
      'rollback',
      revertSpec,
      revertStatus(
        'Succeeded',
        'Ready',
        Reason.RevertSucceeded,
        'reverted VirtualMachine "web-1" to VMSnapshot "before-upgrade" (StopVM, RevertTo): Running -> Stopped',
        {
          ...plan,
          completedSteps: ['StopVM', 'RevertTo'],
          startTime: '2026-11-24T10:00:01Z',
          completionTime: '2026-11-24T10:00:04Z',
        },
      ),
    ),
    kstatus: 'Current',
    argo: 'Healthy',
    argoMessage: 'Running -> Stopped',
  },
  {
    kind: 'VMRevert',
    title: 'Failed before touching anything (power change not allowed)',
    object: object(
      'VMRevert',
      'careful',
      { ...revertSpec, allowPowerChange: false },
      revertStatus(
        'Failed',
        'Stalled',
        Reason.PowerChangeNotAllowed,
        'reverting would stop VirtualMachine "web-1" (Running -> Stopped) and spec.allowPowerChange is false',
        { ...plan, completionTime: '2026-11-24T10:00:02Z' },
      ),
    ),
    kstatus: 'Failed',
    argo: 'Degraded',
    argoMessage: 'PowerChangeNotAllowed',
  },
  {
    kind: 'VMRevert',
    title: 'Failed on the hypervisor',
    object: object(
      'VMRevert',
      'rollback',
      revertSpec,
      revertStatus('Failed', 'Stalled', Reason.RevertFailed, 'revertTo failed: snapshot is corrupt', {
        ...plan,
        completedSteps: ['StopVM'],
        completionTime: '2026-11-24T10:00:04Z',
        error: { message: 'revertTo failed: snapshot is corrupt', time: '2026-11-24T10:00:04Z' },
      }),
    ),
    kstatus: 'Failed',
    argo: 'Degraded',
  },
];

// --- Hypervisor ------------------------------------------------------------------------------------------------
const hypervisorSpec = {
  driver: 'libvirt',
  uri: 'qemu+ssh://root@kvm-01/system',
  maxConcurrentOperations: 2,
};
const hypervisor = (status: FixtureObject['status'], generation = 1) =>
  object('Hypervisor', 'kvm-01', hypervisorSpec, status, { namespaced: false, generation });
const connected = (generation: number) => ({
  observedGeneration: generation,
  version: 'libvirt 9.0.0, QEMU 7.2.0',
  capabilities: { memorySnapshots: true, quiesce: true, revertExternal: false },
  conditions: conditions(
    'Ready',
    Reason.Connected,
    'libvirt endpoint qemu+ssh://root@kvm-01/system answers: libvirt 9.0.0, QEMU 7.2.0',
    generation,
  ),
});

const hypervisors: StatusFixture[] = [
  {
    kind: 'Hypervisor',
    title: 'ready',
    object: hypervisor(connected(1)),
    kstatus: 'Current',
    argo: 'Healthy',
  },
  {
    kind: 'Hypervisor',
    title: 'unreachable (the operator keeps retrying)',
    object: hypervisor({
      observedGeneration: 1,
      conditions: conditions(
        'InProgress',
        'HypervisorUnreachable',
        'dial tcp 10.0.0.7:22: connection refused',
        1,
      ),
    }),
    kstatus: 'InProgress',
    argo: 'Progressing',
    argoMessage: 'HypervisorUnreachable: dial tcp 10.0.0.7:22: connection refused',
  },
  {
    kind: 'Hypervisor',
    title: 'spec changed and not yet observed',
    // Still Ready=True from generation 1: the lagging observedGeneration alone must say "not done yet".
    object: hypervisor(connected(1), 2),
    kstatus: 'InProgress',
    argo: 'Progressing',
    argoMessage: 'generation 2',
  },
];

// --- VirtualMachine --------------------------------------------------------------------------------------------
const vmSpec = { hypervisorName: 'kvm-01', domain: 'web-1' };
const hold = (operation: 'Snapshot' | 'RevertTo', kind: 'VMSnapshot' | 'VMRevert', name: string) => ({
  operation,
  holder: { kind, name, uid: `uid-${name}` },
  since: HOLD_SINCE,
});
const vmStatus = (
  phase: string | undefined,
  state: ReadyState,
  reason: string,
  message: string,
  held?: ReturnType<typeof hold>,
) => ({
  ...(phase === undefined ? {} : { phase }),
  observedGeneration: 1,
  ...(phase === undefined ? {} : { domainUUID: '1f0c5a9e-0000-4000-8000-000000000001' }),
  ...(held ? { hold: held } : {}),
  conditions: conditions(state, reason, message, 1, holdConditions(held, 1)),
});

const virtualMachines: StatusFixture[] = [
  {
    kind: 'VirtualMachine',
    title: 'free and Running',
    object: object(
      'VirtualMachine',
      'web-1',
      vmSpec,
      vmStatus('Running', 'Ready', Reason.DomainFound, 'domain "web-1" (1f0c...) is running'),
    ),
    kstatus: 'Current',
    argo: 'Healthy',
  },
  {
    kind: 'VirtualMachine',
    title: 'held by a snapshot',
    object: object(
      'VirtualMachine',
      'web-1',
      vmSpec,
      vmStatus(
        'Running',
        'Ready',
        Reason.DomainFound,
        'domain "web-1" (1f0c...) is running',
        hold('Snapshot', 'VMSnapshot', 'before-upgrade'),
      ),
    ),
    kstatus: 'Current',
    argo: 'Healthy',
    argoMessage: 'held by VMSnapshot before-upgrade (Snapshot)',
  },
  {
    kind: 'VirtualMachine',
    title: 'held by a revert',
    object: object(
      'VirtualMachine',
      'web-1',
      vmSpec,
      vmStatus(
        'Stopped',
        'Ready',
        Reason.DomainFound,
        'domain "web-1" (1f0c...) is shut off',
        hold('RevertTo', 'VMRevert', 'rollback'),
      ),
    ),
    kstatus: 'Current',
    argo: 'Healthy',
    argoMessage: 'held by VMRevert rollback (RevertTo)',
  },
  {
    kind: 'VirtualMachine',
    title: 'converging to spec.powerState',
    object: object(
      'VirtualMachine',
      'web-1',
      { ...vmSpec, powerState: 'Running' },
      vmStatus(
        'Stopped',
        'InProgress',
        Reason.PowerStateConverging,
        'domain "web-1" is shut off; converging to powerState Running',
      ),
    ),
    kstatus: 'InProgress',
    argo: 'Progressing',
  },
  {
    kind: 'VirtualMachine',
    title: 'domain not on the hypervisor',
    object: object(
      'VirtualMachine',
      'web-9',
      { ...vmSpec, domain: 'web-9' },
      vmStatus(undefined, 'InProgress', Reason.DomainNotFound, 'no domain named "web-9" on kvm-01'),
    ),
    kstatus: 'InProgress',
    argo: 'Missing',
    argoMessage: 'no domain named "web-9"',
  },
  {
    kind: 'VirtualMachine',
    title: 'hypervisor not ready (phase Unknown)',
    object: object(
      'VirtualMachine',
      'web-1',
      vmSpec,
      vmStatus('Unknown', 'InProgress', Reason.HypervisorNotReady, 'Hypervisor "kvm-01" is not Ready'),
    ),
    kstatus: 'InProgress',
    argo: 'Progressing',
  },
];

export const STATUS_FIXTURES: readonly StatusFixture[] = [
  ...vmSnapshots,
  ...vmReverts,
  ...hypervisors,
  ...virtualMachines,
];
