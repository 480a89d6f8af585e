import { describe, expect, it } from 'vitest';
import type { HypervisorSpec } from '../../src/api/hypervisor.ts';
import { CredentialsNotFoundError, DriverPool } from '../../src/controllers/shared/driver-pool.ts';
import type { DriverConnection, DriverContext, HypervisorDriver } from '../../src/drivers/port.ts';
import { InMemoryTaskJournal } from '../../src/drivers/snapshot-task-journal.ts';

/** A factory that records what it was asked to build and which drivers were closed. */
function recordingFactory() {
  const built: DriverConnection[] = [];
  const closed: number[] = [];
  const factory = (connection: DriverConnection): HypervisorDriver => {
    const id = built.push(connection) - 1;
    return {
      close: async () => {
        closed.push(id);
      },
    } as unknown as HypervisorDriver;
  };
  return { built, closed, factory };
}

const spec = (overrides: Partial<HypervisorSpec> = {}): HypervisorSpec => ({
  driver: 'libvirt',
  uri: 'qemu+ssh://root@kvm-01/system',
  credentialsSecretRef: { namespace: 'vmsnap-system', name: 'kvm-01-ssh' },
  maxConcurrentOperations: 2,
  insecureSkipTLSVerify: false,
  ...overrides,
});

describe('DriverPool', () => {
  it('builds one driver per hypervisor with the credentials of the referenced Secret, and reuses it', async () => {
    const { built, factory } = recordingFactory();
    const reads: string[] = [];
    const pool = new DriverPool({
      factory,
      readSecret: async (ref) => {
        reads.push(`${ref.namespace}/${ref.name}`);
        return { 'ssh-privatekey': 'KEY-1' };
      },
    });
    const [a, b] = await Promise.all([pool.driverFor('kvm-01', spec()), pool.driverFor('kvm-01', spec())]);
    expect(a).toBe(b);
    expect(await pool.driverFor('kvm-01', spec())).toBe(a);
    expect(built).toEqual([
      { driver: 'libvirt', uri: 'qemu+ssh://root@kvm-01/system', credentials: { 'ssh-privatekey': 'KEY-1' } },
    ]);
    expect(reads).toEqual(['vmsnap-system/kvm-01-ssh']);
  });

  it("hands every driver the pool's context and the spec's insecureSkipTLSVerify", async () => {
    const contexts: unknown[] = [];
    const built: DriverConnection[] = [];
    const context: DriverContext = { snapshotTaskJournal: new InMemoryTaskJournal() };
    const pool = new DriverPool({
      factory: (connection, given) => {
        built.push(connection);
        contexts.push(given);
        return { close: async () => {} } as unknown as HypervisorDriver;
      },
      readSecret: async () => ({ username: 'u', password: 'p' }),
      context,
    });
    await pool.driverFor(
      'vc-01',
      spec({ driver: 'vsphere', uri: 'https://vc/sdk', insecureSkipTLSVerify: true }),
    );
    await pool.driverFor('vc-02', spec({ driver: 'vsphere', uri: 'https://vc2/sdk' }));
    expect(contexts).toEqual([context, context]);
    expect(built.map((c) => c.insecureSkipTLSVerify)).toEqual([true, undefined]);
  });

  it('rebuilds (closing the old driver) when the spec changes or refreshed credentials differ', async () => {
    const { built, closed, factory } = recordingFactory();
    let key = 'KEY-1';
    const pool = new DriverPool({ factory, readSecret: async () => ({ 'ssh-privatekey': key }) });
    await pool.driverFor('kvm-01', spec());
    await pool.driverFor('kvm-01', spec(), { refreshCredentials: true });
    expect(built).toHaveLength(1);
    key = 'KEY-2';
    await pool.driverFor('kvm-01', spec(), { refreshCredentials: true });
    expect(built).toHaveLength(2);
    expect(built[1]?.credentials).toEqual({ 'ssh-privatekey': 'KEY-2' });
    await pool.driverFor('kvm-01', spec({ uri: 'qemu+ssh://root@kvm-02/system' }));
    expect(built).toHaveLength(3);
    expect(closed).toEqual([0, 1]);
    await pool.close();
    expect(closed).toEqual([0, 1, 2]);
  });

  it('connects without reading any Secret when none is referenced, and names a missing Secret', async () => {
    const { built, factory } = recordingFactory();
    const pool = new DriverPool({ factory, readSecret: async () => undefined });
    await pool.driverFor('local', spec({ uri: 'qemu:///system', credentialsSecretRef: undefined }));
    expect(built).toEqual([{ driver: 'libvirt', uri: 'qemu:///system' }]);
    await expect(pool.driverFor('kvm-01', spec())).rejects.toThrow(CredentialsNotFoundError);
    await expect(pool.driverFor('kvm-01', spec())).rejects.toThrow('"vmsnap-system/kvm-01-ssh"');
  });
});
