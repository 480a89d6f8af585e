import { describe, expect, it } from 'vitest';
import { checkLibvirt } from '../../src/operator/libvirt-check.ts';

describe('checkLibvirt (what `vmsnap local` says when libvirt is not usable)', () => {
  it('names the endpoint and the setup script when libvirtd does not answer', async () => {
    const result = await checkLibvirt('qemu+unix:///system?socket=/nonexistent/libvirt-sock');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    // Without virsh at all the advice says what to install instead; both name the script that fixes it.
    expect(result.advice).toMatch(
      /not answering on qemu\+unix:\/\/\/system\?socket=\/nonexistent\/libvirt-sock|not installed/,
    );
    expect(result.advice).toContain('scripts/setup-host.sh');
  });
});
