import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Whether libvirt answers on `uri`; when it does not, a sentence saying exactly what to install or start.
 * Uses virsh, the same client the libvirt driver uses, so "ok" here means the driver can connect too.
 */
export async function checkLibvirt(uri: string): Promise<{ ok: true } | { ok: false; advice: string }> {
  try {
    await run('virsh', ['-c', uri, '-q', 'version'], {
      env: { ...process.env, LC_ALL: 'C' },
      timeout: 15_000,
    });
    return { ok: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return {
        ok: false,
        advice:
          'libvirt is not installed (no virsh on PATH). Install and start it with `sudo bash scripts/setup-host.sh` ' +
          '(Debian packages: qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients)',
      };
    }
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    return {
      ok: false,
      advice:
        `libvirtd is not answering on ${uri}${stderr ? ` (${stderr})` : ''}. Start it with ` +
        '`sudo bash scripts/setup-host.sh` (starts virtlogd and libvirtd)',
    };
  }
}
