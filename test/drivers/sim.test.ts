// What the sim test double offers beyond the shared conformance suite: faults at named points, latency
// and the per-host concurrency recorder that scale tests use.

import { describe, expect, it } from 'vitest';
import { DriverError } from '../../src/drivers/errors.ts';
import { SimHypervisor } from '../../src/drivers/sim/index.ts';

const request = (name: string, memory = true) => ({
  name,
  owner: { uid: `uid-${name}`, namespace: 'ns', name },
  description: '',
  memory,
  quiesce: false,
});

describe('SimHypervisor', () => {
  it('crash window: the image holds the snapshot, the record does not, the VM is paused (saving)', async () => {
    const host = new SimHypervisor();
    host.defineDomain({ name: 'vm', phase: 'Running' });
    const driver = host.driver();
    host.injectFault('afterImageWriteBeforeMetadata', { domain: 'vm' });
    await expect(driver.createSnapshot('vm', request('s'))).rejects.toMatchObject({
      reason: 'HypervisorUnreachable',
      retryable: true,
    });
    expect(host.domain('vm').image.has('s')).toBe(true);
    expect(await driver.getSnapshot('vm', 's')).toBeUndefined();
    expect(await driver.getDomain('vm')).toMatchObject({
      phase: 'Paused',
      pausedReason: 'Saving',
      stateDetail: 'paused (saving)',
    });
    // The retry converges: VM resumed, one snapshot, recorded this time.
    await driver.createSnapshot('vm', request('s'));
    expect((await driver.getDomain('vm')).phase).toBe('Running');
    expect((await driver.listSnapshots('vm')).map((s) => s.name)).toEqual(['s']);
  });

  it('faults trip only for their domain and only as often as armed; unreachable fails every call', async () => {
    const host = new SimHypervisor();
    host.defineDomain({ name: 'a', phase: 'Running' });
    host.defineDomain({ name: 'b', phase: 'Running' });
    const driver = host.driver();
    host.injectFault('beforeRevert', { domain: 'a', times: 2 });
    await driver.createSnapshot('a', request('sa'));
    await driver.createSnapshot('b', request('sb'));
    await expect(driver.revertTo('b', 'sb', { finalState: 'Running' })).resolves.toMatchObject({
      phase: 'Running',
    });
    for (let i = 0; i < 2; i++) {
      await expect(driver.revertTo('a', 'sa', { finalState: 'Stopped' })).rejects.toBeInstanceOf(DriverError);
      expect((await driver.getDomain('a')).phase).toBe('Running');
    }
    await expect(driver.revertTo('a', 'sa', { finalState: 'Stopped' })).resolves.toMatchObject({
      phase: 'Stopped',
    });

    host.injectFault('unreachable', { times: Number.POSITIVE_INFINITY });
    await expect(driver.probe()).rejects.toMatchObject({ reason: 'HypervisorUnreachable' });
    await expect(driver.getDomain('a')).rejects.toMatchObject({ reason: 'HypervisorUnreachable' });
    host.clearFaults('unreachable');
    await expect(driver.probe()).resolves.toBeDefined();
  });

  it('custom errors can be injected at a point', async () => {
    const host = new SimHypervisor({ maxSnapshotsPerVM: 1 });
    host.defineDomain({ name: 'vm', phase: 'Stopped' });
    const driver = host.driver();
    host.injectFault('beforeCreate', { error: new DriverError('DomainBusy', 'busy') });
    await expect(driver.createSnapshot('vm', request('x', false))).rejects.toMatchObject({
      reason: 'DomainBusy',
    });
    await driver.createSnapshot('vm', request('x', false));
    await expect(driver.createSnapshot('vm', request('y', false))).rejects.toMatchObject({
      reason: 'SnapshotLimitReached',
    });
    expect((await driver.probe()).capabilities.maxSnapshotsPerVM).toBe(1);
  });

  it('records the most snapshot operations in flight at once on the host', async () => {
    const host = new SimHypervisor({ latencyMs: { createSnapshot: 5 } });
    for (let i = 0; i < 4; i++) host.defineDomain({ name: `vm${i}`, phase: 'Running' });
    const driver = host.driver();
    await Promise.all([0, 1, 2].map((i) => driver.createSnapshot(`vm${i}`, request(`s${i}`))));
    expect(host.recorder.maxInFlight()).toBe(3);
    await driver.createSnapshot('vm3', request('s3'));
    expect(host.recorder.maxInFlight()).toBe(3);
    expect(host.recorder.count('createSnapshot')).toBe(4);
    expect(host.recorder.inFlight()).toBe(0);
    expect(host.recorder.maxInFlight(['getDomain'])).toBe(0);
  });

  it('a running VM reads as paused (snapshot) while its memory snapshot is being written', async () => {
    const host = new SimHypervisor({ latencyMs: { createSnapshot: 5 } });
    host.defineDomain({ name: 'vm', phase: 'Running' });
    const driver = host.driver();
    const pending = driver.createSnapshot('vm', request('s'));
    await new Promise((r) => setImmediate(r));
    expect(await driver.getDomain('vm')).toMatchObject({ phase: 'Paused', pausedReason: 'Snapshot' });
    await pending;
    expect((await driver.getDomain('vm')).phase).toBe('Running');
  });

  it('a memory revert restores the snapshot memory; a disk-only one boots fresh', async () => {
    const host = new SimHypervisor();
    host.defineDomain({ name: 'vm', phase: 'Running' });
    const driver = host.driver();
    const memoryAtSnapshot = host.domain('vm').memory;
    await driver.createSnapshot('vm', request('mem'));
    await driver.createSnapshot('vm', request('disk', false));
    await driver.stop('vm', { force: true });
    await driver.revertTo('vm', 'mem', { finalState: 'Running' });
    expect(host.domain('vm').memory).toBe(memoryAtSnapshot);
    await driver.revertTo('vm', 'disk', { finalState: 'Running' });
    expect(host.domain('vm').memory).not.toBe(memoryAtSnapshot);
  });

  it('graceful stop is ignored by a guest that does not honour it, force always works', async () => {
    const host = new SimHypervisor();
    host.defineDomain({ name: 'vm', phase: 'Running', respondsToShutdown: false });
    const driver = host.driver();
    expect((await driver.stop('vm', { force: false })).phase).toBe('Running');
    expect((await driver.stop('vm', { force: true })).phase).toBe('Stopped');
    await driver.close();
    await expect(driver.getDomain('vm')).rejects.toMatchObject({ reason: 'DriverFailure' });
  });
});
