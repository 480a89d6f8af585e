import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';

/** Where the check looks; tests point it elsewhere. */
export interface KvmDevicePaths {
  device: string;
  groupFile: string;
}

const SYSTEM: KvmDevicePaths = { device: '/dev/kvm', groupFile: '/etc/group' };

/**
 * Whether `/dev/kvm`, where the kernel offers it, is what libvirt expects: group kvm, readable and writable by
 * the group (udev's rule). Without udev it stays root-only, and libvirtd then probes QEMU as root and finds KVM,
 * judges KVM unusable for the libvirt-qemu user that runs guests, and throws its capabilities cache away on every
 * lookup: every define, start, snapshot revert re-probes QEMU (seconds each), and under load libvirtd stalls. No
 * device, or no kvm group, is fine: libvirt then sees no KVM at all, consistently. Undefined when all is well,
 * else what to run.
 */
export async function checkKvmDevice(paths: KvmDevicePaths = SYSTEM): Promise<string | undefined> {
  let device: Stats;
  try {
    device = await stat(paths.device);
  } catch {
    return undefined;
  }
  const kvmGid = await groupId(paths.groupFile, 'kvm');
  if (kvmGid === undefined) return undefined;
  const groupReadWrite = (device.mode & 0o060) === 0o060;
  if (device.gid === kvmGid && groupReadWrite) return undefined;
  const mode = (device.mode & 0o777).toString(8).padStart(4, '0');
  return (
    `${paths.device} is not read-write for the kvm group (gid ${device.gid}, mode ${mode}), as udev would make ` +
    'it: libvirtd will re-probe QEMU on every call, which slows every snapshot and revert by seconds and can stall ' +
    `it under load. Fix: \`sudo chgrp kvm ${paths.device} && sudo chmod 0660 ${paths.device}\` ` +
    '(`sudo bash scripts/setup-host.sh` does it too)'
  );
}

/** The gid of `name` in an /etc/group-format file; undefined when it has none. */
async function groupId(groupFile: string, name: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(groupFile, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [group, , gid] = line.split(':');
    if (group === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}
