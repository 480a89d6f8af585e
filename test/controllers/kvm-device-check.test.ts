// What `vmsnap local` warns about when /dev/kvm is not as udev would leave it (libvirtd then re-probes QEMU on
// every call). Checked on stand-in files: a real device node cannot be made here without changing the host's.
import { chmod, chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkKvmDevice } from '../../src/operator/kvm-device-check.ts';
import { makeTempDir, removeTempDir } from '../support/temp-dir.ts';

describe('checkKvmDevice', () => {
  let dir: string;
  let paths: { device: string; groupFile: string };

  beforeEach(async () => {
    dir = await makeTempDir('kvm-check');
    paths = { device: join(dir, 'kvm'), groupFile: join(dir, 'group') };
    await writeFile(paths.device, '');
    await writeFile(paths.groupFile, 'root:x:0:\nkvm:x:4242:libvirt-qemu\n');
  });

  afterEach(async () => {
    await removeTempDir(dir);
  });

  it('says what to run for a root-only device, naming its group and mode', async () => {
    await chown(paths.device, 0, 0);
    await chmod(paths.device, 0o600);
    const advice = await checkKvmDevice(paths);
    expect(advice).toContain(`${paths.device} is not read-write for the kvm group (gid 0, mode 0600)`);
    expect(advice).toContain(`chgrp kvm ${paths.device} && sudo chmod 0660 ${paths.device}`);
  });

  it("accepts udev's root:kvm 0660", async () => {
    await chown(paths.device, 0, 4242);
    await chmod(paths.device, 0o660);
    expect(await checkKvmDevice(paths)).toBeUndefined();
  });

  it('flags the kvm group without write access', async () => {
    await chown(paths.device, 0, 4242);
    await chmod(paths.device, 0o640);
    expect(await checkKvmDevice(paths)).toContain('mode 0640');
  });

  it('is quiet without a device or without a kvm group: libvirt then sees no KVM at all', async () => {
    expect(await checkKvmDevice({ ...paths, device: join(dir, 'missing') })).toBeUndefined();
    await writeFile(paths.groupFile, 'root:x:0:\n');
    await chmod(paths.device, 0o600);
    expect(await checkKvmDevice(paths)).toBeUndefined();
  });
});
