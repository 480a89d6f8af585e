// The demo's own tiny VM on the local libvirt: no OS, 64 MiB RAM, one 64 MiB qcow2 disk, TCG (`type='qemu'`:
// /dev/kvm is often missing or root-only), no graphics. SeaBIOS runs forever, which is all a memory snapshot
// needs. vmsnap itself never defines VMs; only the demo does, and it marks the domain so --cleanup never
// removes a domain it did not create.

import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Written into the domain's <description>: what --cleanup checks before removing anything. */
export const DEMO_MARK = 'created by vmsnap demo';

/**
 * Under libvirt's own image directory rather than vmsnap's data dir: QEMU runs as libvirt-qemu and must be able
 * to open the disk, while the data dir is private (0700: it holds the API token).
 */
export const DEMO_IMAGES_ROOT = '/var/lib/libvirt/images';

export interface DemoDomainOptions {
  name: string;
  uri: string;
}

export type DemoDomainOutcome = 'defined' | 'started' | 'running';

/**
 * Makes sure the demo domain exists and runs. Idempotent: an existing domain by that name is reused (started if
 * it is shut off), so a re-run of the demo keeps its snapshots. Returns what it had to do.
 */
export async function ensureDemoDomain(options: DemoDomainOptions): Promise<DemoDomainOutcome> {
  const { name, uri } = options;
  const state = await domainState(name, uri);
  if (state === undefined) {
    const dir = imagesDir(name);
    await mkdir(dir, { recursive: true });
    const diskPath = join(dir, 'disk.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', diskPath, '64M']);
    const xmlPath = join(dir, 'domain.xml');
    await writeFile(xmlPath, demoDomainXml(name, diskPath));
    await virsh(uri, ['define', '--file', xmlPath]);
    await virsh(uri, ['start', '--domain', name]);
    return 'defined';
  }
  if (state === 'running') return 'running';
  // A paused demo VM is resumed: a user pausing it by hand is not a case the demo has to preserve.
  await virsh(uri, [state === 'paused' ? 'resume' : 'start', '--domain', name]);
  return 'started';
}

/**
 * Removes the demo domain (with libvirt's snapshot records) and its disk directory, but only when it carries the
 * demo's mark. Returns false when there was nothing of the demo's to remove.
 */
export async function removeDemoDomain(options: DemoDomainOptions): Promise<boolean> {
  const { name, uri } = options;
  if ((await domainState(name, uri)) === undefined) {
    await rm(imagesDir(name), { recursive: true, force: true });
    return false;
  }
  const description = await virsh(uri, ['desc', '--domain', name]);
  if (!description.includes(DEMO_MARK)) {
    throw new Error(`domain ${name} on ${uri} was not created by the demo; leaving it alone`);
  }
  await virsh(uri, ['destroy', '--domain', name]).catch(() => {});
  await virsh(uri, ['undefine', '--domain', name, '--snapshots-metadata']);
  await rm(imagesDir(name), { recursive: true, force: true });
  return true;
}

export function imagesDir(domain: string): string {
  return join(DEMO_IMAGES_ROOT, domain);
}

export function demoDomainXml(name: string, diskPath: string): string {
  return tinyDomainXml({ name, diskPath, diskFormat: 'qcow2', description: DEMO_MARK });
}

export interface TinyDomainXmlOptions {
  name: string;
  diskPath: string;
  diskFormat: 'qcow2' | 'raw';
  /** Written into <description>; omitted when undefined. */
  description?: string;
  /** Guest RAM. Default 64. */
  memoryMiB?: number;
  /**
   * A kernel for QEMU to boot directly (libvirt's <os><kernel>, QEMU's -kernel), e.g. a multiboot ELF; the disk
   * stays attached but is not booted. Must be readable by the user QEMU runs as. Default: none (SeaBIOS finds no
   * OS on the empty disk and waits forever).
   */
  kernelPath?: string;
}

/**
 * The libvirt XML of a tiny VM (64 MiB RAM unless told, one virtio disk, TCG, no graphics), OS-less unless a
 * kernel is given. Shared with the test helpers so the demo and the tests exercise the same kind of domain.
 */
export function tinyDomainXml(options: TinyDomainXmlOptions): string {
  const { name, diskPath, diskFormat, description, memoryMiB = 64, kernelPath } = options;
  if (!Number.isInteger(memoryMiB) || memoryMiB < 16) {
    throw new Error(`tinyDomainXml: memoryMiB must be an integer >= 16, got ${memoryMiB}`);
  }
  const descriptionLine = description === undefined ? '' : `  <description>${description}</description>\n`;
  const boot = kernelPath === undefined ? "<boot dev='hd'/>" : `<kernel>${kernelPath}</kernel>`;
  return `<domain type='qemu'>
  <name>${name}</name>
${descriptionLine}  <memory unit='MiB'>${memoryMiB}</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>${boot}</os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='${diskFormat}'/>
      <source file='${diskPath}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <console type='pty'/>
  </devices>
</domain>
`;
}

/** `running`, `shut off`, `paused`, ... as virsh prints it; undefined when no such domain exists. */
async function domainState(name: string, uri: string): Promise<string | undefined> {
  try {
    return (await virsh(uri, ['domstate', '--domain', name])).trim();
  } catch (error) {
    if (/failed to get domain|Domain not found/i.test((error as Error).message)) return undefined;
    throw error;
  }
}

async function virsh(uri: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run('virsh', ['-c', uri, '-q', ...args], {
      env: { ...process.env, LC_ALL: 'C' },
      timeout: 120_000,
    });
    return stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`virsh ${args.join(' ')}: ${stderr || (error as Error).message}`);
  }
}
