// The HypervisorDriver for VMware vSphere (vCenter or ESXi), over the vim25 SOAP API. Snapshots are identified
// by moref plus the owner identity vmsnap writes into the description, never by name alone: vSphere allows
// duplicate names. Facts and limits: docs/drivers/vsphere.md.

import { DriverError } from '../errors.ts';
import type {
  CreateSnapshotRequest,
  DomainInfo,
  HypervisorDriver,
  ProbeResult,
  RecoveryResult,
  RevertOptions,
  SnapshotInfo,
  StopOptions,
} from '../port.ts';
import { isValidSnapshotName } from '../port.ts';
import type { PendingSnapshotTask, SnapshotTaskJournal } from '../snapshot-task-journal.ts';
import { type FaultSubject, faultToDriverError, toDriverError } from './fault-mapping.ts';
import { HttpsTransport, type SoapTransport } from './https-transport.ts';
import { powerStepsAfterRevert } from './revert-plan.ts';
import { phaseOfPowerState, storesMemory, toSnapshotInfo } from './snapshot-info.ts';
import { decodeVsphereDescription, encodeVsphereDescription } from './snapshot-mark.ts';
import { parseSnapshotTree, type SnapshotNode, type SnapshotTree, sameMoRef } from './snapshot-tree.ts';
import { type MoRef, SoapFault, text } from './soap-xml.ts';
import { readProperties, startTask, type TaskOutcome, waitForTask } from './vim-calls.ts';
import { VimClient } from './vim-client.ts';
import { VmResolver } from './vm-resolver.ts';

export interface VsphereDriverOptions {
  /** https://HOST[:PORT]/sdk */
  url: string;
  username: string;
  password: string;
  /** PEM CA bundle for the endpoint's certificate; default: the system CAs. */
  ca?: string;
  /** Skips TLS verification (Hypervisor.spec.insecureSkipTLSVerify, shown as TLSVerified=False); labs only. */
  insecure?: boolean;
  /** Replaces HTTPS (unit tests replay recorded SOAP responses). */
  transport?: SoapTransport;
  /** How long to wait for one task; default 15 min (a memory snapshot of a large VM takes minutes). */
  taskTimeoutMs?: number;
  /** First task poll delay (doubles up to 1 s); default 50 ms. */
  taskPollMs?: number;
  /** Persists in-flight CreateSnapshot tasks across crashes (see src/drivers/snapshot-task-journal.ts). */
  taskJournal?: SnapshotTaskJournal;
}

/** VMware's documented limit of snapshots in one chain; vSphere fails beyond it (vcsim does not). */
export const MAX_SNAPSHOT_CHAIN = 32;

const VM_PROPERTIES = ['name', 'config.uuid', 'config.instanceUuid', 'runtime.powerState'] as const;

interface VmState {
  vm: MoRef;
  name: string;
  /** The instance UUID (vCenter's identity); the BIOS UUID where there is none (standalone ESXi). */
  uuid: string;
  power: string;
  tree: SnapshotTree;
}

export class VsphereDriver implements HypervisorDriver {
  private readonly options: VsphereDriverOptions;
  private readonly host: string;
  private readonly transport: SoapTransport;
  /** The SOAP client; exposed for request counting (bench) and tests. */
  readonly client: VimClient;
  private readonly vms: VmResolver;

  constructor(options: VsphereDriverOptions) {
    this.options = options;
    const url = parseSdkUrl(options.url);
    this.host = url.host;
    this.transport =
      options.transport ??
      new HttpsTransport({
        url,
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.insecure ? { insecure: true } : {}),
      });
    this.client = new VimClient({
      transport: this.transport,
      username: options.username,
      password: options.password,
      host: this.host,
    });
    this.vms = new VmResolver(this.client);
  }

  async probe(): Promise<ProbeResult> {
    const context = `probe ${this.host}`;
    try {
      const content = await this.client.serviceContent();
      // A call that needs a session: the credentials are part of what probe checks.
      await this.client.call('CurrentTime', { type: 'ServiceInstance', value: 'ServiceInstance' });
      return {
        version: content.fullName || `vSphere API ${content.apiVersion}`,
        capabilities: {
          memorySnapshots: true,
          quiesce: true,
          // Every vSphere snapshot is revertable and reported as internal; there are no external ones.
          revertExternal: false,
          maxSnapshotsPerVM: MAX_SNAPSHOT_CHAIN,
        },
      };
    } catch (err) {
      throw toDriverError(err, context, 'vm');
    }
  }

  async getDomain(domain: string): Promise<DomainInfo> {
    return toDomainInfo(await this.readVm(domain, `get VM ${domain}`, false));
  }

  async listSnapshots(domain: string): Promise<SnapshotInfo[]> {
    const state = await this.readVm(domain, `list snapshots of ${domain}`, true);
    return state.tree.nodes.map((node) => toSnapshotInfo(node, state.tree));
  }

  async getSnapshot(domain: string, name: string): Promise<SnapshotInfo | undefined> {
    const context = `get snapshot ${name} of ${domain}`;
    const state = await this.readVm(domain, context, true);
    const node = pickByName(state.tree, name, context);
    return node && toSnapshotInfo(node, state.tree);
  }

  async createSnapshot(domain: string, request: CreateSnapshotRequest): Promise<SnapshotInfo> {
    const context = `create snapshot ${request.name} of ${domain}`;
    if (!isValidSnapshotName(request.name)) {
      throw new DriverError(
        'InvalidSnapshotName',
        `${context}: invalid snapshot name (1-128 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit)`,
        { retryable: false },
      );
    }
    let state = await this.readVm(domain, context, true);
    const journal = this.options.taskJournal;
    // mayExist false: no earlier attempt can have started a task (the caller's first try under its hold).
    const pending =
      request.mayExist === false ? undefined : await journal?.pending(state.vm.value, request.owner.uid);
    const adopted = adoptOrConflict(state.tree, request, context);
    if (adopted) {
      if (pending) await journal?.finished(pending);
      return toSnapshotInfo(adopted, state.tree);
    }
    // An earlier call started the task and died before it ended: wait for that task rather than start a second.
    if (pending && pending.snapshotName === request.name) {
      await this.finishPending(pending, context);
      state = await this.readVm(domain, context, true);
      const after = adoptOrConflict(state.tree, request, context);
      if (after) return toSnapshotInfo(after, state.tree);
    }

    const phase = phaseOfPowerState(state.power);
    if (request.memory && phase !== 'Running') {
      throw new DriverError(
        'MemoryRequiresRunningVM',
        `${context}: a memory snapshot needs a powered-on VM; the VM is ${state.power}`,
        { retryable: false },
      );
    }
    const currentDepth = state.tree.nodes.find((n) => sameMoRef(n.moref, state.tree.current))?.depth ?? 0;
    if (currentDepth + 1 > MAX_SNAPSHOT_CHAIN) {
      throw new DriverError(
        'SnapshotLimitReached',
        `${context}: the VM's snapshot chain already holds ${currentDepth} snapshots, vSphere's limit is ${MAX_SNAPSHOT_CHAIN}; delete older snapshots first`,
        { retryable: false },
      );
    }

    const description = encodeVsphereDescription(
      { owner: request.owner, description: request.description, memory: request.memory },
      phase,
    );
    const task = await this.call(context, 'vm', () =>
      startTask(this.client, 'CreateSnapshot_Task', state.vm, {
        name: request.name,
        description,
        memory: request.memory,
        quiesce: request.quiesce,
      }),
    );
    const entry: PendingSnapshotTask = {
      vm: state.vm.value,
      snapshotName: request.name,
      owner: request.owner,
      task: task.value,
    };
    // A journal that cannot record the task still must not let this call return while the task runs (a retry
    // would start a second one): wait first, then report the journal's failure; the retry adopts the result.
    const unrecorded = await journal?.started(entry).then(
      () => undefined,
      (err: unknown) =>
        new DriverError(
          'DriverFailure',
          `${context}: task ${task.value} could not be recorded (${err instanceof Error ? err.message : String(err)}); waited for it, a retry adopts its snapshot`,
          { retryable: true, cause: err },
        ),
    );
    const outcome = await this.waitTask(task, context, 'vm');
    if (unrecorded) throw unrecorded;
    await journal?.finished(entry);
    if (outcome.state === 'error') throw faultToDriverError(outcome, context, 'vm');

    state = await this.readVm(domain, context, true);
    const created =
      state.tree.nodes.find((n) => sameMoRef(n.moref, outcome.result)) ??
      adoptOrConflict(state.tree, request, context);
    if (!created)
      throw new DriverError(
        'DriverFailure',
        `${context}: the task succeeded but the VM does not list the snapshot`,
      );
    return toSnapshotInfo(created, state.tree);
  }

  async deleteSnapshot(domain: string, name: string, options: { ownerUid?: string } = {}): Promise<boolean> {
    const context = `delete snapshot ${name} of ${domain}`;
    const state = await this.readVm(domain, context, true);
    let node: SnapshotNode | undefined;
    if (options.ownerUid !== undefined) {
      const named = state.tree.nodes.filter((n) => n.name === name);
      node = named.find((n) => decodeVsphereDescription(n.description)?.owner.uid === options.ownerUid);
      if (!node && named[0]) {
        const owner = decodeVsphereDescription(named[0].description)?.owner;
        throw new DriverError(
          'SnapshotNotOwned',
          `${context}: owned by ${owner ? `${owner.namespace}/${owner.name} (${owner.uid})` : 'another tool'}, not ${options.ownerUid}`,
          { retryable: false },
        );
      }
    } else {
      node = pickByName(state.tree, name, context);
    }
    if (!node && options.ownerUid !== undefined) {
      node = await this.awaitPendingCreate(domain, state.vm, name, options.ownerUid, context);
    }
    if (!node) return false;
    const snapshot = node.moref;
    try {
      const task = await startTask(this.client, 'RemoveSnapshot_Task', snapshot, {
        removeChildren: false,
        consolidate: true,
      });
      const outcome = await this.waitTask(task, context, 'snapshot');
      if (outcome.state === 'error') throw faultToDriverError(outcome, context, 'snapshot');
    } catch (err) {
      const mapped = toDriverError(err, context, 'snapshot');
      // Removed by someone else between the read and the call: the end state is what was asked.
      if (mapped.reason === 'SnapshotNotFound') return false;
      throw mapped;
    }
    return true;
  }

  async revertTo(domain: string, name: string, options: RevertOptions): Promise<DomainInfo> {
    const context = `revert ${domain} to snapshot ${name}`;
    const state = await this.readVm(domain, context, true);
    const node = pickByName(state.tree, name, context);
    if (!node) {
      throw new DriverError(
        'SnapshotNotFound',
        `${context}: no snapshot ${name} on the VM; the VM was not touched`,
        {
          retryable: false,
        },
      );
    }
    const { finalState } = options;
    if (finalState === 'Paused') {
      throw new DriverError(
        'Unsupported',
        `${context}: vSphere cannot leave a VM paused (it has no pause, only suspend to disk); the VM was not touched`,
        { retryable: false },
      );
    }
    const memory = storesMemory(node) && decodeVsphereDescription(node.description)?.memory !== false;
    await this.runTask(context, 'snapshot', 'RevertToSnapshot_Task', node.moref, { suppressPowerOn: true });
    const after = await this.readVm(domain, context, false);
    for (const step of powerStepsAfterRevert({ after: after.power, memory, finalState })) {
      await this.runTask(
        `${context}: ${step}`,
        'vm',
        step === 'PowerOn' ? 'PowerOnVM_Task' : 'PowerOffVM_Task',
        after.vm,
      );
    }
    return this.getDomain(domain);
  }

  async start(domain: string): Promise<DomainInfo> {
    const context = `start ${domain}`;
    const state = await this.readVm(domain, context, false);
    if (state.power === 'poweredOn') return toDomainInfo(state);
    await this.runTask(context, 'vm', 'PowerOnVM_Task', state.vm);
    return this.getDomain(domain);
  }

  async stop(domain: string, options: StopOptions): Promise<DomainInfo> {
    const context = `stop ${domain}`;
    const state = await this.readVm(domain, context, false);
    if (state.power === 'poweredOff') return toDomainInfo(state);
    if (options.force || state.power === 'suspended') {
      await this.runTask(context, 'vm', 'PowerOffVM_Task', state.vm);
    } else {
      // ShutdownGuest asks the guest OS through VMware Tools and returns at once; the caller escalates to force.
      try {
        await this.client.call('ShutdownGuest', state.vm);
      } catch (err) {
        if (err instanceof SoapFault && err.faultType === 'ToolsUnavailable') {
          throw new DriverError(
            'InvalidDomainState',
            `${context}: a graceful shutdown needs VMware Tools running in the guest; stop with force instead`,
            { hypervisorMessage: `${err.faultType}: ${err.message}`, retryable: false },
          );
        }
        throw toDriverError(err, context, 'vm');
      }
    }
    return this.getDomain(domain);
  }

  async pause(domain: string): Promise<DomainInfo> {
    const state = await this.readVm(domain, `pause ${domain}`, false);
    if (state.power !== 'poweredOn') throw notRunning(domain, 'pause', state);
    throw new DriverError(
      'Unsupported',
      `cannot pause ${domain}: vSphere has no pause (only suspend, which saves memory to disk and powers off)`,
      { retryable: false },
    );
  }

  async resume(domain: string): Promise<DomainInfo> {
    const context = `resume ${domain}`;
    const state = await this.readVm(domain, context, false);
    if (state.power === 'poweredOn') return toDomainInfo(state);
    if (state.power !== 'suspended') throw notRunning(domain, 'resume', state);
    // Powering on a suspended VM resumes it from its saved memory.
    await this.runTask(context, 'vm', 'PowerOnVM_Task', state.vm);
    return this.getDomain(domain);
  }

  /** vSphere leaves nothing half-done on a VM when a client dies: tasks finish on the server. */
  async recover(domain: string): Promise<RecoveryResult> {
    return { actions: [], domain: await this.getDomain(domain) };
  }

  async close(): Promise<void> {
    await this.client.logout();
    this.transport.close();
  }

  /**
   * Waits on a task a caller recorded (e.g. after a restart, from a persisted moref). Resolves to the task's
   * outcome; a task the server no longer knows resolves to undefined.
   */
  async waitForRecordedTask(task: string): Promise<TaskOutcome | undefined> {
    const context = `wait for task ${task}`;
    try {
      return await this.awaitTask({ type: 'Task', value: task }, context);
    } catch (err) {
      // Finished tasks are dropped by the server after a while: the caller re-reads the VM instead.
      if (err instanceof SoapFault && err.faultType === 'ManagedObjectNotFound') return undefined;
      throw toDriverError(err, context, 'task');
    }
  }

  /**
   * The snapshot a journalled create task of this owner is still making (an operator killed mid-task, the
   * VMSnapshot deleted meanwhile): waits for the task and returns its snapshot, so deleting it leaves no orphan.
   */
  private async awaitPendingCreate(
    domain: string,
    vm: MoRef,
    name: string,
    ownerUid: string,
    context: string,
  ): Promise<SnapshotNode | undefined> {
    const journal = this.options.taskJournal;
    const pending = await journal?.pending(vm.value, ownerUid);
    if (!pending || pending.snapshotName !== name) return undefined;
    // Whatever the task's outcome, what counts is whether it left a snapshot.
    await this.waitForRecordedTask(pending.task);
    await journal?.finished(pending);
    const state = await this.readVm(domain, context, true);
    return state.tree.nodes.find(
      (n) => n.name === name && decodeVsphereDescription(n.description)?.owner.uid === ownerUid,
    );
  }

  private async finishPending(pending: PendingSnapshotTask, context: string): Promise<void> {
    const outcome = await this.waitForRecordedTask(pending.task);
    await this.options.taskJournal?.finished(pending);
    if (outcome?.state === 'error') throw faultToDriverError(outcome, context, 'vm');
  }

  private async runTask(
    context: string,
    subject: FaultSubject,
    method: string,
    self: MoRef,
    args: Parameters<VimClient['call']>[2] = {},
  ): Promise<void> {
    const task = await this.call(context, subject, () => startTask(this.client, method, self, args));
    const outcome = await this.waitTask(task, context, subject);
    if (outcome.state === 'error') throw faultToDriverError(outcome, context, subject);
  }

  private async waitTask(task: MoRef, context: string, subject: FaultSubject): Promise<TaskOutcome> {
    return this.call(context, subject, () => this.awaitTask(task, context));
  }

  /** Polls until the task ends; OperationTimeout after taskTimeoutMs. vim25 faults come back unmapped. */
  private async awaitTask(task: MoRef, context: string): Promise<TaskOutcome> {
    const timeoutMs = this.options.taskTimeoutMs ?? 15 * 60_000;
    const outcome = await waitForTask(this.client, task, {
      timeoutMs,
      initialDelayMs: this.options.taskPollMs ?? 50,
    });
    if (!outcome) {
      throw new DriverError(
        'OperationTimeout',
        `${context}: task ${task.value} did not finish within ${Math.round(timeoutMs / 1000)} s (it keeps running on the server)`,
      );
    }
    return outcome;
  }

  /** Reads the VM's identity, power state and (when asked) snapshot tree; one request after the lookup. */
  private async readVm(domain: string, context: string, withSnapshots: boolean): Promise<VmState> {
    const paths = withSnapshots ? [...VM_PROPERTIES, 'snapshot'] : [...VM_PROPERTIES];
    for (let attempt = 0; ; attempt++) {
      const cached = this.vms.isCached(domain);
      const vm = await this.call(context, 'vm', () => this.vms.resolve(domain));
      try {
        const values = await readProperties(this.client, vm, paths);
        const name = text(values.get('name'));
        // A cached moref whose VM was renamed no longer answers to this name: look it up again.
        if (cached && !domain.includes('/') && name !== domain && !isUuidOf(values, domain)) {
          throw new SoapFault('ManagedObjectNotFound', `VM ${vm.value} is no longer named ${domain}`);
        }
        return {
          vm,
          name,
          uuid: text(values.get('config.instanceUuid')) || text(values.get('config.uuid')),
          power: text(values.get('runtime.powerState')),
          tree: parseSnapshotTree(values.get('snapshot')),
        };
      } catch (err) {
        const mapped = toDriverError(err, context, 'vm');
        // Only a cached moref can be stale; a fresh lookup that fails is the answer.
        if (mapped.reason !== 'DomainNotFound' || !cached || attempt > 0) throw mapped;
        this.vms.forget(domain);
      }
    }
  }

  private async call<T>(context: string, subject: FaultSubject, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toDriverError(err, context, subject);
    }
  }
}

function isUuidOf(values: ReadonlyMap<string, unknown>, domain: string): boolean {
  const lower = domain.toLowerCase();
  return [values.get('config.instanceUuid'), values.get('config.uuid')].some(
    (v) => typeof v === 'string' && v.toLowerCase() === lower,
  );
}

function toDomainInfo(state: VmState): DomainInfo {
  return {
    uuid: state.uuid,
    name: state.name,
    phase: phaseOfPowerState(state.power),
    stateDetail: state.power,
  };
}

/**
 * The snapshot a name means. vSphere allows several snapshots with one name: when that happens the one vmsnap
 * made (owner in its description) is the answer; several vmsnap-made ones are a conflict a human must resolve.
 */
function pickByName(tree: SnapshotTree, name: string, context: string): SnapshotNode | undefined {
  const named = tree.nodes.filter((n) => n.name === name);
  if (named.length <= 1) return named[0];
  const owned = named.filter((n) => decodeVsphereDescription(n.description) !== undefined);
  if (owned.length === 1) return owned[0];
  throw new DriverError(
    'SnapshotNameConflict',
    `${context}: ${named.length} snapshots on the VM are named ${name} (${named.map((n) => n.moref.value).join(', ')}); rename or remove the extra ones`,
    { retryable: false },
  );
}

/** The snapshot this request already made (same name and owner uid), or a conflict if the name is taken. */
function adoptOrConflict(
  tree: SnapshotTree,
  request: CreateSnapshotRequest,
  context: string,
): SnapshotNode | undefined {
  const named = tree.nodes.filter((n) => n.name === request.name);
  const ours = named.find((n) => decodeVsphereDescription(n.description)?.owner.uid === request.owner.uid);
  if (ours) return ours;
  const [other] = named;
  if (!other) return undefined;
  const owner = decodeVsphereDescription(other.description)?.owner;
  const holder = owner
    ? `${owner.namespace}/${owner.name} (${owner.uid})`
    : 'another tool (no vmsnap owner in its description)';
  throw new DriverError('SnapshotNameConflict', `${context}: the name is taken by ${holder}`, {
    retryable: false,
  });
}

function notRunning(domain: string, action: string, state: VmState): DriverError {
  return new DriverError('InvalidDomainState', `cannot ${action} ${domain}: it is ${state.power}`, {
    retryable: false,
  });
}

function parseSdkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DriverError('DriverFailure', `invalid vSphere URI '${raw}' (expected https://HOST/sdk)`, {
      retryable: false,
    });
  }
  if (url.protocol !== 'https:' || url.username || url.password) {
    throw new DriverError(
      'DriverFailure',
      `invalid vSphere URI '${url.protocol}//${url.host}${url.pathname}' (expected https://HOST/sdk; credentials belong in the Secret)`,
      { retryable: false },
    );
  }
  return url;
}
