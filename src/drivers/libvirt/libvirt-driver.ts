// The HypervisorDriver for libvirt/KVM, through virsh. Internal snapshots only (libvirt < 9.9 cannot revert
// external ones); the owner identity lives in the snapshot description (../snapshot-description.ts).
// Facts this relies on were measured on libvirt 9.0 / QEMU 7.2: docs/drivers/libvirt.md.

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
import { decodeSnapshotDescription, encodeSnapshotDescription } from '../snapshot-description.ts';
import { parseDomInfo, toDomainInfo } from './domain-state.ts';
import { toDriverError } from './error-mapping.ts';
import {
  deleteOrphanTag,
  type ImageTags,
  snapshotCapableDisks,
  tagsOfImages,
  tagsOfRunningDomain,
} from './image-snapshots.ts';
import { planRevert, type RevertStep } from './revert-plan.ts';
import { toSnapshotInfo } from './snapshot-info.ts';
import {
  type LibvirtDiskXml,
  type LibvirtSnapshotXml,
  parseDomainDisks,
  parseSnapshotXml,
} from './snapshot-xml.ts';
import { isLocalUri, type PreparedUri, prepareUri } from './uri.ts';
import { type CommandRunner, execRunner, Virsh } from './virsh.ts';

export interface LibvirtDriverOptions {
  /** e.g. qemu:///system, qemu+ssh://root@kvm-01/system?keyfile=/etc/vmsnap/id_ed25519 */
  uri: string;
  /** Secret data: `ssh-privatekey`, `known_hosts` (see uri.ts). */
  credentials?: Readonly<Record<string, string>>;
  /** Replaces child processes (unit tests replay recorded virsh output). */
  runner?: CommandRunner;
  /** Per virsh call; default 120 s (a revert of a large guest takes seconds, not minutes). */
  timeoutMs?: number;
  /**
   * Whether image files can be read here with qemu-img (shut-off domains). Default: true for local URIs.
   * Without it, the image check before a revert of a shut-off domain relies on libvirt's records alone.
   */
  localImages?: boolean;
  /**
   * Long-lived `virsh` sessions serving reads (dominfo, snapshot-dumpxml, ...): at most this many, so this many
   * reads in parallel. 0: every read is its own process, as mutations always are. Default 4. Not used with
   * `runner`.
   */
  readSessions?: number;
  /** An idle read session is closed after this long. Default 2 min. */
  sessionIdleMs?: number;
}

const LIST_PARALLELISM = 4;

/** Where libvirt started supporting revert of external snapshots. */
const REVERT_EXTERNAL_SINCE = [9, 9, 0];

export class LibvirtDriver implements HypervisorDriver {
  private readonly options: LibvirtDriverOptions;
  private readonly localImages: boolean;
  private connection: Promise<{ virsh: Virsh; prepared: PreparedUri }> | undefined;

  constructor(options: LibvirtDriverOptions) {
    this.options = options;
    this.localImages = options.localImages ?? isLocalUri(options.uri);
  }

  async probe(): Promise<ProbeResult> {
    const output = await this.read('probe', ['version', '--daemon']);
    const field = (label: string) => new RegExp(`^${label}:\\s*(.+)$`, 'm').exec(output)?.[1]?.trim();
    const daemon = field('Running against daemon') ?? field('Using library')?.replace(/^libvirt\s+/, '');
    const hypervisor = field('Running hypervisor');
    if (!daemon) {
      throw new DriverError('DriverFailure', 'probe: unexpected `virsh version` output', {
        hypervisorMessage: output,
      });
    }
    const libvirtVersion = daemon.replace(/^libvirt\s+/, '');
    return {
      version: `libvirt ${libvirtVersion}${hypervisor ? `, ${hypervisor}` : ''}`,
      capabilities: {
        memorySnapshots: true,
        quiesce: true,
        revertExternal: versionAtLeast(libvirtVersion, REVERT_EXTERNAL_SINCE),
      },
    };
  }

  async getDomain(domain: string): Promise<DomainInfo> {
    const context = `get domain ${domain}`;
    const info = parseDomInfo(await this.read(context, ['dominfo', '--domain', domain]));
    // dominfo has no state reason; the reason is what tells `paused (saving)` from `paused (user)`.
    const needsReason = info.state !== 'running';
    const state = needsReason
      ? await this.read(context, ['domstate', '--domain', domain, '--reason'])
      : undefined;
    return toDomainInfo(info, state);
  }

  async listSnapshots(domain: string): Promise<SnapshotInfo[]> {
    const [namesOutput, current] = await Promise.all([
      this.read(`list snapshots of ${domain}`, ['snapshot-list', '--domain', domain, '--name']),
      this.currentSnapshot(domain),
    ]);
    const names = namesOutput
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    // One dumpxml per snapshot (virsh has no bulk form); a few at a time keeps long lists fast without
    // flooding the daemon. A snapshot deleted meanwhile simply drops out.
    const result: SnapshotInfo[] = [];
    for (let i = 0; i < names.length; i += LIST_PARALLELISM) {
      const batch = await Promise.all(
        names.slice(i, i + LIST_PARALLELISM).map((n) => this.snapshotXml(domain, n)),
      );
      for (const xml of batch) if (xml) result.push(toSnapshotInfo(xml, current));
    }
    return result;
  }

  async getSnapshot(domain: string, name: string): Promise<SnapshotInfo | undefined> {
    const [xml, current] = await Promise.all([this.snapshotXml(domain, name), this.currentSnapshot(domain)]);
    return xml && toSnapshotInfo(xml, current);
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
    // Independent reads in parallel (each a round trip, through the read sessions of virsh.ts). A first attempt
    // (mayExist false) cannot find its own snapshot; a foreign one of that name still fails the create below
    // with SnapshotNameConflict ("domain moment ... already exists").
    const [existing, initialState, disks, externals] = await Promise.all([
      request.mayExist === false ? undefined : this.snapshotXml(domain, request.name),
      this.getDomain(domain),
      this.disks(domain),
      this.read(context, ['snapshot-list', '--domain', domain, '--external', '--name']),
    ]);
    if (existing) {
      return sameOwnerOrConflict(
        toSnapshotInfo(existing, await this.currentSnapshot(domain)),
        request,
        domain,
      );
    }
    if (externals.trim() !== '') {
      // An internal snapshot on top of an external one lands in the overlay; libvirt < 9.9 then fails reverts
      // and deletes on this VM. Refuse rather than make the VM's snapshots unusable.
      const names = externals.trim().split('\n').join(', ');
      throw new DriverError(
        'Unsupported',
        `${context}: the domain has external snapshots (${names}); vmsnap takes internal snapshots and libvirt cannot mix the two on one VM`,
        { retryable: false },
      );
    }

    let state = initialState;
    if (isInterruptedSave(state)) state = await this.resumeDomain(domain);
    const running = state.phase === 'Running' || state.phase === 'Paused';
    if (request.memory && !running) {
      throw new DriverError(
        'MemoryRequiresRunningVM',
        `${context}: a memory snapshot needs a running or paused VM; the domain is ${state.stateDetail}`,
        { retryable: false },
      );
    }
    checkDisksHoldInternalSnapshots(disks, context);

    // A tag in the image without libvirt's record is what a crash mid-create leaves behind: remove it, then
    // take the snapshot afresh under the same name (docs/drivers/libvirt.md, "Crash recovery"). A first attempt
    // (mayExist false) cannot have left one, and skips the look (one HMP or qemu-img round trip).
    if (request.mayExist !== false) {
      const tags = await this.imageTags(domain, running, disks);
      if (tags?.any.has(request.name)) await this.removeOrphan(domain, running, disks, request.name);
    }

    const description = encodeSnapshotDescription({
      owner: request.owner,
      description: request.description,
      memory: request.memory,
    });
    const frozen = request.quiesce && running ? await this.freeze(domain, context) : false;
    try {
      await this.virsh(context, [
        'snapshot-create-as',
        '--domain',
        domain,
        '--name',
        request.name,
        '--description',
        description,
        '--atomic',
      ]);
    } finally {
      if (frozen) await this.virsh(`${context}: thaw`, ['domfsthaw', '--domain', domain]);
    }
    const created = await this.snapshotXml(domain, request.name);
    if (!created) throw new DriverError('DriverFailure', `${context}: created, but libvirt does not list it`);
    return toSnapshotInfo(created, request.name);
  }

  async deleteSnapshot(domain: string, name: string, options: { ownerUid?: string } = {}): Promise<boolean> {
    const context = `delete snapshot ${name} of ${domain}`;
    const xml = await this.snapshotXml(domain, name);
    if (!xml) return this.deleteOrphanIfAny(domain, name);
    if (options.ownerUid !== undefined) {
      const owner = decodeSnapshotDescription(xml.description)?.owner;
      if (owner?.uid !== options.ownerUid) {
        throw new DriverError(
          'SnapshotNotOwned',
          `${context}: owned by ${owner ? `${owner.namespace}/${owner.name} (${owner.uid})` : 'another tool'}, not ${options.ownerUid}`,
          { retryable: false },
        );
      }
    }
    try {
      await this.virsh(context, ['snapshot-delete', '--domain', domain, '--snapshotname', name]);
    } catch (err) {
      if (err instanceof DriverError && err.reason === 'SnapshotNotFound') return false;
      throw err;
    }
    return true;
  }

  async revertTo(domain: string, name: string, options: RevertOptions): Promise<DomainInfo> {
    const context = `revert ${domain} to snapshot ${name}`;
    const [xml, state, disks] = await Promise.all([
      this.snapshotXml(domain, name),
      this.getDomain(domain),
      this.disks(domain),
    ]);
    if (!xml) {
      throw new DriverError('SnapshotNotFound', `${context}: no snapshot ${name} on domain ${domain}`, {
        retryable: false,
      });
    }
    const internal = xml.memory !== 'external' && xml.disks.every((d) => d.snapshot !== 'external');
    if (internal) {
      // Reverting to a snapshot missing from the image kills the VM: check before touching it.
      const running = state.phase === 'Running' || state.phase === 'Paused';
      const tags = await this.imageTags(domain, running, disks);
      if (tags && !tags.complete.has(name)) {
        throw new DriverError(
          'SnapshotInconsistent',
          `${context}: libvirt records the snapshot but the disk image does not hold it; the VM was not touched`,
          { retryable: false },
        );
      }
    }
    const mark = decodeSnapshotDescription(xml.description);
    const plan = planRevert({
      storedMemory: xml.memory === 'internal' || xml.memory === 'external',
      diskOnlyIntent: mark?.memory === false,
      finalState: options.finalState,
    });
    for (const step of plan) await this.runRevertStep(domain, name, step, context);
    return this.getDomain(domain);
  }

  async start(domain: string): Promise<DomainInfo> {
    const state = await this.getDomain(domain);
    if (state.phase !== 'Stopped' && state.phase !== 'Suspended') return state;
    await this.virsh(`start ${domain}`, ['start', '--domain', domain]);
    return this.getDomain(domain);
  }

  async stop(domain: string, options: StopOptions): Promise<DomainInfo> {
    const state = await this.getDomain(domain);
    if (state.phase === 'Stopped' || state.phase === 'Suspended') return state;
    const args = options.force ? ['destroy', '--domain', domain] : ['shutdown', '--domain', domain];
    await this.tolerateState(`stop ${domain}`, args);
    return this.getDomain(domain);
  }

  async pause(domain: string): Promise<DomainInfo> {
    const state = await this.getDomain(domain);
    if (state.phase === 'Paused') return state;
    if (state.phase !== 'Running') throw notRunning(domain, 'pause', state);
    await this.virsh(`pause ${domain}`, ['suspend', '--domain', domain]);
    return this.getDomain(domain);
  }

  async resume(domain: string): Promise<DomainInfo> {
    const state = await this.getDomain(domain);
    if (state.phase === 'Running') return state;
    if (state.phase !== 'Paused') throw notRunning(domain, 'resume', state);
    return this.resumeDomain(domain);
  }

  async recover(domain: string): Promise<RecoveryResult> {
    const state = await this.getDomain(domain);
    if (!isInterruptedSave(state)) return { actions: [], domain: state };
    try {
      return { actions: ['ResumedInterruptedSave'], domain: await this.resumeDomain(domain) };
    } catch (error) {
      // `paused (saving)` also describes a snapshot another tool is taking right now. libvirt's job lock makes
      // our resume wait for that job, after which the VM runs again by itself and libvirt refuses the resume:
      // nothing was interrupted, and there is nothing to recover.
      const after = await this.getDomain(domain);
      if (after.phase === 'Running') return { actions: [], domain: after };
      throw error;
    }
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (!connection) return;
    const { virsh, prepared } = await connection;
    await virsh.close();
    await prepared.cleanup();
  }

  private async runRevertStep(
    domain: string,
    name: string,
    step: RevertStep,
    context: string,
  ): Promise<void> {
    switch (step) {
      case 'Revert':
        await this.virsh(context, ['snapshot-revert', '--domain', domain, '--snapshotname', name]);
        return;
      case 'RevertRunning':
        await this.virsh(context, [
          'snapshot-revert',
          '--domain',
          domain,
          '--snapshotname',
          name,
          '--running',
        ]);
        return;
      case 'RevertPaused':
        await this.virsh(context, [
          'snapshot-revert',
          '--domain',
          domain,
          '--snapshotname',
          name,
          '--paused',
        ]);
        return;
      case 'Destroy':
        await this.tolerateState(`${context}: destroy`, ['destroy', '--domain', domain]);
        return;
      case 'Start':
        await this.virsh(`${context}: start`, ['start', '--domain', domain]);
        return;
      case 'StartPaused':
        await this.virsh(`${context}: start`, ['start', '--domain', domain, '--paused']);
        return;
    }
  }

  private async resumeDomain(domain: string): Promise<DomainInfo> {
    await this.virsh(`resume ${domain}`, ['resume', '--domain', domain]);
    return this.getDomain(domain);
  }

  private async freeze(domain: string, context: string): Promise<true> {
    try {
      await this.virsh(`${context}: quiesce`, ['domfsfreeze', '--domain', domain]);
      return true;
    } catch (err) {
      if (err instanceof DriverError && err.reason === 'QuiesceUnavailable') throw err;
      throw new DriverError('QuiesceUnavailable', `${context}: cannot freeze guest filesystems`, {
        hypervisorMessage: err instanceof DriverError ? err.hypervisorMessage : String(err),
        retryable: false,
      });
    }
  }

  /** The current snapshot's name; undefined when the domain has none. */
  private async currentSnapshot(domain: string): Promise<string | undefined> {
    try {
      const out = await this.read(`current snapshot of ${domain}`, [
        'snapshot-current',
        '--domain',
        domain,
        '--name',
      ]);
      return out.trim() || undefined;
    } catch (err) {
      if (err instanceof DriverError && err.reason === 'SnapshotNotFound') return undefined;
      throw err;
    }
  }

  /** The snapshot's XML facts; undefined when libvirt has no snapshot by that name. */
  private async snapshotXml(domain: string, name: string): Promise<LibvirtSnapshotXml | undefined> {
    try {
      const xml = await this.read(`read snapshot ${name} of ${domain}`, [
        'snapshot-dumpxml',
        '--domain',
        domain,
        '--snapshotname',
        name,
      ]);
      return parseSnapshotXml(xml);
    } catch (err) {
      if (err instanceof DriverError && err.reason === 'SnapshotNotFound') return undefined;
      throw toDriverError(err, `read snapshot ${name} of ${domain}`);
    }
  }

  private async disks(domain: string): Promise<LibvirtDiskXml[]> {
    const context = `read disks of ${domain}`;
    try {
      return parseDomainDisks(await this.read(context, ['dumpxml', '--domain', domain]));
    } catch (err) {
      throw toDriverError(err, context);
    }
  }

  /** Tags inside the images; undefined when they cannot be read from here (shut off, remote). */
  private async imageTags(
    domain: string,
    running: boolean,
    disks: LibvirtDiskXml[],
  ): Promise<ImageTags | undefined> {
    const context = `read snapshots inside the disk images of ${domain}`;
    try {
      if (running) return await tagsOfRunningDomain(await this.bound(), domain);
      if (!this.localImages) return undefined;
      return await tagsOfImages(await this.bound(), files(disks));
    } catch (err) {
      throw toDriverError(err, context);
    }
  }

  private async removeOrphan(domain: string, running: boolean, disks: LibvirtDiskXml[], name: string) {
    try {
      await deleteOrphanTag(await this.bound(), domain, running, files(disks), name);
    } catch (err) {
      throw toDriverError(err, `remove orphan snapshot ${name} from the disk images of ${domain}`);
    }
  }

  /** Delete of a name libvirt does not know: removes a crash leftover in the image, if there is one. */
  private async deleteOrphanIfAny(domain: string, name: string): Promise<boolean> {
    if (!isValidSnapshotName(name)) return false;
    const state = await this.getDomain(domain);
    const running = state.phase === 'Running' || state.phase === 'Paused';
    const disks = await this.disks(domain);
    const tags = await this.imageTags(domain, running, disks);
    if (!tags?.any.has(name)) return false;
    await this.removeOrphan(domain, running, disks, name);
    return true;
  }

  /** Runs a state change that is already done when virsh says the domain is (not) running. */
  private async tolerateState(context: string, args: string[]): Promise<void> {
    try {
      await this.virsh(context, args);
    } catch (err) {
      if (err instanceof DriverError && err.reason === 'InvalidDomainState') return;
      throw err;
    }
  }

  /** A mutation (or anything else that is not a read): its own virsh process, see virsh.ts. */
  private async virsh(context: string, args: string[]): Promise<string> {
    try {
      return await (await this.bound()).run(args);
    } catch (err) {
      throw toDriverError(err, context);
    }
  }

  /** A read-only command: through a long-lived virsh session when possible, see virsh.ts. */
  private async read(context: string, args: string[]): Promise<string> {
    try {
      return await (await this.bound()).read(args);
    } catch (err) {
      throw toDriverError(err, context);
    }
  }

  private async bound(): Promise<Virsh> {
    this.connection ??= prepareUri(this.options.uri, this.options.credentials).then((prepared) => ({
      prepared,
      virsh: new Virsh(prepared.uri, this.options.runner ?? execRunner, this.options.timeoutMs, {
        ...(this.options.readSessions === undefined ? {} : { maxSessions: this.options.readSessions }),
        ...(this.options.sessionIdleMs === undefined ? {} : { idleMs: this.options.sessionIdleMs }),
      }),
    }));
    return (await this.connection).virsh;
  }
}

function sameOwnerOrConflict(
  existing: SnapshotInfo,
  request: CreateSnapshotRequest,
  domain: string,
): SnapshotInfo {
  if (existing.owner?.uid === request.owner.uid) return existing;
  const holder = existing.owner
    ? `${existing.owner.namespace}/${existing.owner.name} (${existing.owner.uid})`
    : 'another tool (no vmsnap owner in its description)';
  throw new DriverError(
    'SnapshotNameConflict',
    `create snapshot ${request.name} of ${domain}: the name is taken by ${holder}`,
    { retryable: false },
  );
}

function checkDisksHoldInternalSnapshots(disks: readonly LibvirtDiskXml[], context: string): void {
  const writable = disks.filter((d) => !d.readonly);
  const capable = new Set(snapshotCapableDisks(writable));
  const unsupported = writable.filter((d) => !capable.has(d));
  if (unsupported.length > 0) {
    const list = unsupported.map((d) => `${d.target} (${d.format ?? d.sourceType})`).join(', ');
    throw new DriverError(
      'UnsupportedDiskFormat',
      `${context}: internal snapshots need file-backed qcow2 disks; cannot snapshot ${list}`,
      { retryable: false },
    );
  }
  if (capable.size === 0) {
    throw new DriverError(
      'UnsupportedDiskFormat',
      `${context}: the domain has no disk that can hold a snapshot`,
      {
        retryable: false,
      },
    );
  }
}

function isInterruptedSave(state: DomainInfo): boolean {
  return state.phase === 'Paused' && (state.pausedReason === 'Saving' || state.pausedReason === 'Snapshot');
}

function files(disks: readonly LibvirtDiskXml[]): string[] {
  return snapshotCapableDisks(disks).flatMap((d) => (d.sourceFile ? [d.sourceFile] : []));
}

function notRunning(domain: string, action: string, state: DomainInfo): DriverError {
  return new DriverError('InvalidDomainState', `cannot ${action} ${domain}: it is ${state.stateDetail}`, {
    retryable: false,
  });
}

function versionAtLeast(version: string, minimum: readonly number[]): boolean {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < minimum.length; i++) {
    const have = parts[i] ?? 0;
    const want = minimum[i] ?? 0;
    if (have !== want) return have > want;
  }
  return true;
}
