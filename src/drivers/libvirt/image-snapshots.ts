// Looks inside the disk images, beneath libvirt's records. Needed because creating an internal snapshot is
// not atomic (QEMU writes the image, then libvirt its XML): after a crash the image can hold a snapshot libvirt
// does not know, and reverting to a snapshot missing from the image kills the VM. So the driver checks the image
// before reverting and cleans orphan tags before retaking a name.
//
// Running domain: QEMU's monitor (`info snapshots`, `delvm`) through libvirt, so this works on remote URIs too.
// Shut-off domain: `qemu-img snapshot` on the image files, which only works where the files are local.

import type { LibvirtDiskXml } from './snapshot-xml.ts';
import type { Virsh } from './virsh.ts';

/** Tags found in the images. `complete`: on every disk (loadable). `any`: on at least one disk. */
export interface ImageTags {
  complete: Set<string>;
  any: Set<string>;
}

/**
 * Parses `info snapshots` (HMP) or `qemu-img snapshot -l` output. Rows are `ID TAG VM-SIZE DATE ...`; QEMU prints
 * `--` as the ID of snapshots present on all disks. Tags may contain spaces (other tools' names), so a row is
 * split around the VM SIZE column (`702 KiB`, `0 B`) rather than on whitespace. Sections after a "partial"
 * header list per-disk leftovers.
 */
export function parseSnapshotTable(output: string): ImageTags {
  const complete = new Set<string>();
  const any = new Set<string>();
  let partial = false;
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (/^List of partial/i.test(line)) {
      partial = true;
      continue;
    }
    const tag = ROW.exec(line)?.[1];
    if (tag === undefined) continue;
    any.add(tag);
    if (!partial) complete.add(tag);
  }
  return { complete, any };
}

const ROW = /^(?:--|\d+)\s+(.+?)\s+\d+(?:\.\d+)?\s*[KMGTPE]?i?B\s+\d{4}-\d\d-\d\d\s/;

/** Disks that hold internal snapshots: writable file-backed qcow2. */
export function snapshotCapableDisks(disks: readonly LibvirtDiskXml[]): LibvirtDiskXml[] {
  return disks.filter((d) => !d.readonly && d.format === 'qcow2' && d.sourceFile !== undefined);
}

export async function tagsOfRunningDomain(virsh: Virsh, domain: string): Promise<ImageTags> {
  const output = await virsh.read([
    'qemu-monitor-command',
    '--domain',
    domain,
    '--hmp',
    '--cmd',
    'info snapshots',
  ]);
  return parseSnapshotTable(output);
}

/** Tags in each file of a shut-off domain (local files only), merged across disks. */
export async function tagsOfImages(virsh: Virsh, files: readonly string[]): Promise<ImageTags> {
  const perFile: Set<string>[] = [];
  for (const file of files) {
    const output = await virsh.local('qemu-img', ['snapshot', '-U', '-l', file]);
    perFile.push(parseSnapshotTable(output).complete);
  }
  const any = new Set(perFile.flatMap((s) => [...s]));
  const complete = new Set([...any].filter((tag) => perFile.every((s) => s.has(tag))));
  return { complete, any };
}

/**
 * Deletes a tag libvirt has no record of. Only ever called with a name validated by isValidSnapshotName (no
 * spaces, so the HMP command line cannot be split).
 */
export async function deleteOrphanTag(
  virsh: Virsh,
  domain: string,
  running: boolean,
  files: readonly string[],
  tag: string,
): Promise<void> {
  if (running) {
    const output = await virsh.run([
      'qemu-monitor-command',
      '--domain',
      domain,
      '--hmp',
      '--cmd',
      `delvm ${tag}`,
    ]);
    if (/error/i.test(output)) throw new Error(`delvm ${tag} failed: ${output.trim()}`);
    return;
  }
  for (const file of files) {
    const tags = parseSnapshotTable(await virsh.local('qemu-img', ['snapshot', '-U', '-l', file])).any;
    if (tags.has(tag)) await virsh.local('qemu-img', ['snapshot', '-d', tag, file]);
  }
}
