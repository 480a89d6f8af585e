// The HypervisorDriver over a SimHypervisor (test double). Every decision mirrors the libvirt driver so a
// controller tested against the sim behaves the same against libvirt; the shared conformance suite
// (test/drivers/conformance.ts) holds both to it.

import { setTimeout as sleep } from 'node:timers/promises';
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
import { toRfc3339Seconds } from '../rfc3339.ts';
import { decodeSnapshotDescription, encodeSnapshotDescription } from '../snapshot-description.ts';
import type { SimFaultPoint } from './faults.ts';
import type { SimOperation } from './recorder.ts';
import type { SimDomainState, SimHypervisor, SimSnapshotRecord } from './sim-hypervisor.ts';

export class SimDriver implements HypervisorDriver {
  private readonly host: SimHypervisor;
  private closed = false;

  constructor(host: SimHypervisor) {
    this.host = host;
  }

  probe(): Promise<ProbeResult> {
    return this.run('probe', undefined, () => ({
      version: this.host.version,
      capabilities: {
        memorySnapshots: true,
        quiesce: true,
        revertExternal: false,
        ...(this.host.maxSnapshotsPerVM === undefined
          ? {}
          : { maxSnapshotsPerVM: this.host.maxSnapshotsPerVM }),
      },
    }));
  }

  getDomain(ref: string): Promise<DomainInfo> {
    return this.run('getDomain', ref, () => domainInfo(this.host.require(ref)));
  }

  listSnapshots(ref: string): Promise<SnapshotInfo[]> {
    return this.run('listSnapshots', ref, () => {
      const domain = this.host.require(ref);
      return [...domain.records.values()].map((r) => snapshotInfo(domain, r));
    });
  }

  getSnapshot(ref: string, name: string): Promise<SnapshotInfo | undefined> {
    return this.run('getSnapshot', ref, () => {
      const domain = this.host.require(ref);
      const record = domain.records.get(name);
      return record && snapshotInfo(domain, record);
    });
  }

  createSnapshot(ref: string, request: CreateSnapshotRequest): Promise<SnapshotInfo> {
    return this.run('createSnapshot', ref, async () => {
      const domain = this.host.require(ref);
      if (!isValidSnapshotName(request.name)) {
        throw new DriverError('InvalidSnapshotName', `invalid snapshot name '${request.name}'`, {
          hypervisorMessage: `invalid snapshot name '${request.name}'`,
        });
      }
      const existing = domain.records.get(request.name);
      if (existing) return this.existingSnapshot(domain, existing, request);
      this.resumeInterruptedSave(domain);
      checkCreatable(this.host, domain, request);
      this.trip('beforeCreate', domain);

      // Crash recovery: a tag in the image without a record is what an interrupted create left behind. The
      // libvirt driver deletes it and retakes; so does the sim.
      domain.image.delete(request.name);

      const phaseBefore = domain.phase;
      const pausedBefore = domain.pausedReason;
      const storedMemory = phaseBefore !== 'Stopped';
      const creationTime = toRfc3339Seconds(this.host.now());
      if (phaseBefore === 'Running') this.host.setPhase(domain, 'Paused', 'Snapshot');
      await this.latency('createSnapshot');
      domain.image.set(request.name, { disk: domain.disk, memory: storedMemory ? domain.memory : undefined });

      const crash = this.trip('afterImageWriteBeforeMetadata', domain, false);
      if (crash) {
        if (phaseBefore === 'Running') this.host.setPhase(domain, 'Paused', 'Saving');
        throw crash;
      }
      const record: SimSnapshotRecord = {
        name: request.name,
        description: encodeSnapshotDescription({
          owner: request.owner,
          description: request.description,
          memory: request.memory,
        }),
        parent: domain.current,
        vmPhase: phaseBefore,
        storedMemory,
        creationTime,
      };
      domain.records.set(request.name, record);
      domain.current = request.name;
      this.host.setPhase(domain, phaseBefore, pausedBefore);
      return snapshotInfo(domain, record);
    });
  }

  deleteSnapshot(ref: string, name: string, options: { ownerUid?: string } = {}): Promise<boolean> {
    return this.run('deleteSnapshot', ref, async () => {
      const domain = this.host.require(ref);
      const record = domain.records.get(name);
      if (!record) {
        // An orphan tag from an interrupted create: clean it so the name is free again.
        return domain.image.delete(name);
      }
      if (options.ownerUid !== undefined) {
        const owner = decodeSnapshotDescription(record.description)?.owner;
        if (owner?.uid !== options.ownerUid) {
          throw new DriverError(
            'SnapshotNotOwned',
            `snapshot ${name} on domain ${domain.name} is not owned by ${options.ownerUid} (owner: ${owner?.uid ?? 'foreign'})`,
          );
        }
      }
      this.trip('beforeDelete', domain);
      await this.latency('deleteSnapshot');
      for (const child of domain.records.values()) if (child.parent === name) child.parent = record.parent;
      if (domain.current === name) domain.current = record.parent;
      domain.records.delete(name);
      domain.image.delete(name);
      return true;
    });
  }

  revertTo(ref: string, name: string, options: RevertOptions): Promise<DomainInfo> {
    return this.run('revertTo', ref, async () => {
      const domain = this.host.require(ref);
      const record = domain.records.get(name);
      if (!record) throw snapshotNotFound(domain, name);
      const image = domain.image.get(name);
      if (!image) {
        throw new DriverError(
          'SnapshotInconsistent',
          `snapshot ${name} of domain ${domain.name} is recorded but missing from the disk image; the VM was not touched`,
        );
      }
      this.trip('beforeRevert', domain);
      await this.latency('revertTo');
      const resumesMemory =
        record.storedMemory && decodeSnapshotDescription(record.description)?.memory !== false;
      domain.disk = image.disk;
      domain.current = name;
      if (options.finalState === 'Stopped') {
        domain.memory = undefined;
        this.host.setPhase(domain, 'Stopped');
      } else {
        domain.memory = resumesMemory ? image.memory : this.host.freshBoot();
        this.host.setPhase(domain, options.finalState, 'FromSnapshot');
      }
      return domainInfo(domain);
    });
  }

  start(ref: string): Promise<DomainInfo> {
    return this.power('start', ref, (domain) => {
      if (domain.phase !== 'Stopped') return;
      domain.memory = this.host.freshBoot();
      this.host.setPhase(domain, 'Running');
    });
  }

  stop(ref: string, options: StopOptions): Promise<DomainInfo> {
    return this.power('stop', ref, (domain) => {
      if (domain.phase === 'Stopped') return;
      if (!options.force && !domain.respondsToShutdown) return;
      domain.memory = undefined;
      this.host.setPhase(domain, 'Stopped');
    });
  }

  pause(ref: string): Promise<DomainInfo> {
    return this.power('pause', ref, (domain) => {
      if (domain.phase === 'Stopped') throw notRunning(domain, 'pause');
      if (domain.phase === 'Running') this.host.setPhase(domain, 'Paused', 'User');
    });
  }

  resume(ref: string): Promise<DomainInfo> {
    return this.power('resume', ref, (domain) => {
      if (domain.phase === 'Stopped') throw notRunning(domain, 'resume');
      if (domain.phase === 'Paused') this.host.setPhase(domain, 'Running');
    });
  }

  recover(ref: string): Promise<RecoveryResult> {
    return this.run('recover', ref, () => {
      const domain = this.host.require(ref);
      const resumed = this.resumeInterruptedSave(domain);
      return { actions: resumed ? ['ResumedInterruptedSave'] : [], domain: domainInfo(domain) };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private existingSnapshot(
    domain: SimDomainState,
    record: SimSnapshotRecord,
    request: CreateSnapshotRequest,
  ): SnapshotInfo {
    const owner = decodeSnapshotDescription(record.description)?.owner;
    if (owner?.uid !== request.owner.uid) {
      throw new DriverError(
        'SnapshotNameConflict',
        `snapshot ${request.name} already exists on domain ${domain.name} and belongs to ${owner ? `${owner.namespace}/${owner.name} (${owner.uid})` : 'another tool'}`,
        { hypervisorMessage: `domain moment ${request.name} already exists` },
      );
    }
    return snapshotInfo(domain, record);
  }

  /** Resumes a VM an interrupted snapshot left paused; true if it did. */
  private resumeInterruptedSave(domain: SimDomainState): boolean {
    if (
      domain.phase !== 'Paused' ||
      (domain.pausedReason !== 'Saving' && domain.pausedReason !== 'Snapshot')
    ) {
      return false;
    }
    this.host.setPhase(domain, 'Running');
    return true;
  }

  private power(
    operation: SimOperation,
    ref: string,
    change: (domain: SimDomainState) => void,
  ): Promise<DomainInfo> {
    return this.run(operation, ref, async () => {
      const domain = this.host.require(ref);
      this.trip('beforePowerChange', domain);
      await this.latency(operation);
      change(domain);
      return domainInfo(domain);
    });
  }

  /** Runs one driver call: closed check, unreachable fault, latency for reads, recorder bookkeeping. */
  private async run<T>(
    operation: SimOperation,
    ref: string | undefined,
    body: () => T | Promise<T>,
  ): Promise<T> {
    if (this.closed) throw new DriverError('DriverFailure', 'sim driver is closed', { retryable: false });
    const end = this.host.recorder.begin(operation, ref);
    try {
      const keys = ref === undefined ? [] : domainKeys(this.host.find(ref), ref);
      const unreachable = this.host.faults.trip('unreachable', keys);
      if (unreachable) throw unreachable;
      if (!MUTATING.has(operation)) await this.latency(operation);
      const result = await body();
      end('ok');
      return result;
    } catch (err) {
      end('error');
      throw err;
    }
  }

  private async latency(operation: SimOperation): Promise<void> {
    const ms = this.host.latencyOf(operation);
    if (ms > 0) await sleep(ms);
  }

  /** Throws (or, with throwIt=false, returns) the injected error if `point` trips for this domain. */
  private trip(point: SimFaultPoint, domain: SimDomainState, throwIt = true): DriverError | undefined {
    const error = this.host.faults.trip(point, domainKeys(domain, domain.name));
    if (error && throwIt) throw error;
    return error;
  }
}

/** Operations whose latency is spent inside the body (while the VM is held), not before it. */
const MUTATING = new Set<SimOperation>([
  'createSnapshot',
  'deleteSnapshot',
  'revertTo',
  'start',
  'stop',
  'pause',
  'resume',
]);

function checkCreatable(host: SimHypervisor, domain: SimDomainState, request: CreateSnapshotRequest): void {
  if (request.memory && domain.phase === 'Stopped') {
    throw new DriverError(
      'MemoryRequiresRunningVM',
      `a memory snapshot needs a running or paused VM; domain ${domain.name} is stopped`,
      { retryable: false },
    );
  }
  if (domain.diskFormat !== 'qcow2') {
    throw new DriverError(
      'UnsupportedDiskFormat',
      `domain ${domain.name} has a disk that cannot hold internal snapshots`,
      {
        hypervisorMessage: `internal snapshot for disk vda unsupported for storage type ${domain.diskFormat}`,
      },
    );
  }
  if (request.quiesce && domain.phase !== 'Stopped' && !domain.guestAgent) {
    throw new DriverError('QuiesceUnavailable', `cannot quiesce domain ${domain.name}`, {
      hypervisorMessage: 'argument unsupported: QEMU guest agent is not configured',
    });
  }
  if (host.maxSnapshotsPerVM !== undefined && domain.records.size >= host.maxSnapshotsPerVM) {
    throw new DriverError(
      'SnapshotLimitReached',
      `domain ${domain.name} already has ${domain.records.size} snapshots (limit ${host.maxSnapshotsPerVM})`,
    );
  }
}

function domainInfo(domain: SimDomainState): DomainInfo {
  return {
    uuid: domain.uuid,
    name: domain.name,
    phase: domain.phase,
    ...(domain.pausedReason ? { pausedReason: domain.pausedReason } : {}),
    stateDetail: domain.stateDetail,
  };
}

function snapshotInfo(domain: SimDomainState, record: SimSnapshotRecord): SnapshotInfo {
  const mark = decodeSnapshotDescription(record.description);
  return {
    name: record.name,
    description: mark ? mark.description : record.description,
    ...(record.parent === undefined ? {} : { parent: record.parent }),
    memory: record.storedMemory && mark?.memory !== false,
    vmPhase: record.vmPhase,
    creationTime: record.creationTime,
    current: domain.current === record.name,
    location: 'internal',
    ...(mark ? { owner: mark.owner } : {}),
  };
}

function domainKeys(domain: SimDomainState | undefined, ref: string): string[] {
  return domain ? [domain.name, domain.uuid, ref] : [ref];
}

function snapshotNotFound(domain: SimDomainState, name: string): DriverError {
  return new DriverError('SnapshotNotFound', `snapshot ${name} not found on domain ${domain.name}`, {
    hypervisorMessage: `Domain snapshot not found: no domain snapshot with matching name '${name}'`,
  });
}

function notRunning(domain: SimDomainState, action: string): DriverError {
  return new DriverError('InvalidDomainState', `cannot ${action} domain ${domain.name}: it is not running`, {
    hypervisorMessage: 'Requested operation is not valid: domain is not running',
  });
}
