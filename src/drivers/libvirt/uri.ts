// Connection URIs: which are local (image files readable here) and how Secret credentials become the
// `keyfile=` / `known_hosts=` parameters of a qemu+ssh URI. libvirt starts one `ssh` per virsh call; to share
// one SSH session, configure ControlMaster for the host in the operator's ~/.ssh/config (docs/drivers/libvirt.md).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriverError } from '../errors.ts';

/** Local: no host in the URI (qemu:///system, qemu:///session, qemu+unix:///system?socket=...). */
export function isLocalUri(uri: string): boolean {
  const parsed = parseUri(uri);
  return parsed.hostname === '' && !parsed.protocol.includes('+ssh') && !parsed.protocol.includes('+tcp');
}

export interface PreparedUri {
  uri: string;
  /** Removes the key files written for this connection. */
  cleanup(): Promise<void>;
}

/**
 * Adds credentials to the URI. `ssh-privatekey` (and optional `known_hosts`) are written to a private temp
 * directory (0600 files) and passed as `keyfile` / `known_hosts`; a URI that already names them wins.
 */
export async function prepareUri(
  uri: string,
  credentials?: Readonly<Record<string, string>>,
): Promise<PreparedUri> {
  const key = credentials?.['ssh-privatekey'];
  const knownHosts = credentials?.known_hosts;
  if (!key && !knownHosts) return { uri, cleanup: async () => {} };
  const parsed = parseUri(uri);
  if (!parsed.protocol.includes('+ssh') && !parsed.protocol.includes('+libssh')) {
    throw new DriverError('DriverFailure', `credentials given for ${uri}, but only ssh transports use them`, {
      retryable: false,
    });
  }
  const dir = await mkdtemp(join(tmpdir(), 'vmsnap-ssh-'));
  if (key && !parsed.searchParams.has('keyfile')) {
    const file = join(dir, 'id');
    await writeFile(file, key.endsWith('\n') ? key : `${key}\n`, { mode: 0o600 });
    parsed.searchParams.set('keyfile', file);
  }
  if (knownHosts && !parsed.searchParams.has('known_hosts')) {
    const file = join(dir, 'known_hosts');
    await writeFile(file, knownHosts, { mode: 0o600 });
    parsed.searchParams.set('known_hosts', file);
  }
  return { uri: parsed.toString(), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

function parseUri(uri: string): URL {
  try {
    return new URL(uri);
  } catch {
    throw new DriverError('DriverFailure', `invalid libvirt URI '${uri}' (expected e.g. qemu:///system)`, {
      retryable: false,
    });
  }
}
