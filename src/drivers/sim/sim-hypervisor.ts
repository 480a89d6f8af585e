// A simulated hypervisor host: a TEST DOUBLE for controller, scale and failure tests, not a product feature.
// It holds domains, their snapshot records and "disk image" contents in memory, with the semantics the libvirt
// driver shows on libvirt 9.0/QEMU 7.2 (internal snapshots, a snapshot tree with re-attach on delete, a current
// snapshot, memory only from running/paused VMs, the crash window between image write and metadata write).
// Tests shape it (domains, latency, faults) through this class and drive it through `driver()`.

import { randomUUID } from 'node:crypto';
import { DriverError } from '../errors.ts';
import type { DomainPhase, HypervisorDriver, PausedReason } from '../port.ts';
import { toRfc3339Seconds } from '../rfc3339.ts';
import { FaultInjector, type FaultOptions, type SimFaultPoint } from './faults.ts';
import { ConcurrencyRecorder, type SimOperation } from './recorder.ts';
import { SimDriver } from './sim-driver.ts';

export type SimPhase = Exclude<DomainPhase, 'Unknown' | 'Suspended'>;

export interface SimDomainSpec {
  name: string;
  uuid?: string;
  /** Default Stopped. */
  phase?: SimPhase;
  /** raw disks cannot hold internal snapshots (UnsupportedDiskFormat). Default qcow2. */
  diskFormat?: 'qcow2' | 'raw';
  /** A responding guest agent (needed for quiesce). Default false, like a disk-less test VM. */
  guestAgent?: boolean;
  /** Whether the guest honours a graceful shutdown request. Default true. */
  respondsToShutdown?: boolean;
}

/** A snapshot record as the hypervisor keeps it (its metadata). */
export interface SimSnapshotRecord {
  name: string;
  description: string;
  parent: string | undefined;
  vmPhase: SimPhase;
  /** Memory was stored in the image (running/paused VM): what the hypervisor can resume. */
  storedMemory: boolean;
  creationTime: string;
}

/** What a snapshot holds inside the disk image: the disk contents and, if stored, the memory state. */
export interface SimImageSnapshot {
  disk: string;
  memory: string | undefined;
}

export interface SimDomainState {
  uuid: string;
  name: string;
  phase: SimPhase;
  pausedReason: PausedReason | undefined;
  stateDetail: string;
  diskFormat: 'qcow2' | 'raw';
  guestAgent: boolean;
  respondsToShutdown: boolean;
  /** The hypervisor's snapshot records, by name. */
  records: Map<string, SimSnapshotRecord>;
  /** Snapshot tags inside the disk image, by name (normally the same names as `records`). */
  image: Map<string, SimImageSnapshot>;
  current: string | undefined;
  /** Opaque disk content marker: tests write one, reverts restore the snapshot's. */
  disk: string;
  /** Opaque memory/device-state marker; undefined while stopped; a fresh boot gets a new one. */
  memory: string | undefined;
}

export interface SimHypervisorOptions {
  /** Names the host in recorder output and `sim://NAME` URIs. */
  name?: string;
  version?: string;
  maxSnapshotsPerVM?: number;
  /** Per-operation latency in ms (default 0). */
  latencyMs?: Partial<Record<SimOperation, number>>;
  /** Wall clock for creationTime and the recorder's times; tests may pin or shift it. */
  now?: () => Date;
}

export class SimHypervisor {
  readonly name: string;
  readonly version: string;
  readonly maxSnapshotsPerVM: number | undefined;
  /** Stamps operations with this host's clock (`now`), so tests that inject a clock read one time line. */
  readonly recorder = new ConcurrencyRecorder(() => this.now().getTime());
  readonly faults = new FaultInjector();
  readonly now: () => Date;
  private readonly latency: Partial<Record<SimOperation, number>>;
  private readonly domains = new Map<string, SimDomainState>();
  private bootCounter = 0;

  constructor(options: SimHypervisorOptions = {}) {
    this.name = options.name ?? 'sim';
    this.version = options.version ?? 'vmsnap-sim 1.0 (simulated)';
    this.maxSnapshotsPerVM = options.maxSnapshotsPerVM;
    this.latency = { ...options.latencyMs };
    this.now = options.now ?? (() => new Date());
  }

  /** A new driver connected to this host. Several drivers may share one host (like several connections). */
  driver(): HypervisorDriver {
    return new SimDriver(this);
  }

  defineDomain(spec: SimDomainSpec): SimDomainState {
    if (this.find(spec.name) || (spec.uuid && this.find(spec.uuid))) {
      throw new Error(`sim: domain ${spec.name} already defined on ${this.name}`);
    }
    const phase = spec.phase ?? 'Stopped';
    const domain: SimDomainState = {
      uuid: spec.uuid ?? randomUUID(),
      name: spec.name,
      phase,
      pausedReason: phase === 'Paused' ? 'User' : undefined,
      stateDetail: '',
      diskFormat: spec.diskFormat ?? 'qcow2',
      guestAgent: spec.guestAgent ?? false,
      respondsToShutdown: spec.respondsToShutdown ?? true,
      records: new Map(),
      image: new Map(),
      current: undefined,
      disk: 'initial',
      memory: phase === 'Stopped' ? undefined : this.freshBoot(),
    };
    this.setPhase(domain, phase, domain.pausedReason);
    this.domains.set(domain.uuid, domain);
    return domain;
  }

  undefineDomain(ref: string): void {
    const domain = this.find(ref);
    if (domain) this.domains.delete(domain.uuid);
  }

  /** The live state of a domain (mutable: tests may change disk/memory markers or phase directly). */
  domain(ref: string): SimDomainState {
    const domain = this.find(ref);
    if (!domain) throw new Error(`sim: no domain ${ref} on ${this.name}`);
    return domain;
  }

  find(ref: string): SimDomainState | undefined {
    const byUuid = this.domains.get(ref.toLowerCase());
    if (byUuid) return byUuid;
    for (const d of this.domains.values()) if (d.name === ref) return d;
    return undefined;
  }

  domainNames(): string[] {
    return [...this.domains.values()].map((d) => d.name);
  }

  /** Sets a phase with the state text libvirt would show. */
  setPhase(domain: SimDomainState, phase: SimPhase, pausedReason?: PausedReason): void {
    domain.phase = phase;
    domain.pausedReason = phase === 'Paused' ? (pausedReason ?? 'User') : undefined;
    domain.stateDetail =
      phase === 'Running'
        ? 'running'
        : phase === 'Stopped'
          ? 'shut off'
          : `paused (${PAUSED_DETAIL[domain.pausedReason ?? 'Other']})`;
  }

  /** A snapshot made "by hand" by another tool (like `virsh snapshot-create-as`): foreign to vmsnap. */
  createForeignSnapshot(ref: string, name: string, description = ''): void {
    const domain = this.domain(ref);
    if (domain.records.has(name)) throw new Error(`sim: snapshot ${name} exists`);
    const storedMemory = domain.phase !== 'Stopped';
    domain.records.set(name, {
      name,
      description,
      parent: domain.current,
      vmPhase: domain.phase,
      storedMemory,
      creationTime: toRfc3339Seconds(this.now()),
    });
    domain.image.set(name, { disk: domain.disk, memory: storedMemory ? domain.memory : undefined });
    domain.current = name;
  }

  setLatency(operation: SimOperation, ms: number): void {
    this.latency[operation] = ms;
  }

  latencyOf(operation: SimOperation): number {
    return this.latency[operation] ?? 0;
  }

  injectFault(point: SimFaultPoint, options?: FaultOptions): void {
    this.faults.arm(point, options);
  }

  clearFaults(point?: SimFaultPoint): void {
    this.faults.clear(point);
  }

  /** A new memory marker, as if the guest booted. */
  freshBoot(): string {
    this.bootCounter += 1;
    return `boot-${this.bootCounter}`;
  }

  /** Throws DomainNotFound the way the driver reports it. */
  require(ref: string): SimDomainState {
    const domain = this.find(ref);
    if (!domain) {
      throw new DriverError('DomainNotFound', `domain ${ref} not found on hypervisor ${this.name}`, {
        hypervisorMessage: `failed to get domain '${ref}'`,
      });
    }
    return domain;
  }
}

const PAUSED_DETAIL: Record<PausedReason, string> = {
  Saving: 'saving',
  Snapshot: 'snapshot',
  FromSnapshot: 'from snapshot',
  User: 'user',
  Other: 'unknown',
};
