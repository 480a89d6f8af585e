import { describe, expect, it } from 'vitest';
import { createDriverFactory } from '../../src/drivers/factory.ts';
import { isValidSnapshotName } from '../../src/drivers/port.ts';
import { SimHypervisor } from '../../src/drivers/sim/index.ts';
import {
  decodeSnapshotDescription,
  encodeSnapshotDescription,
} from '../../src/drivers/snapshot-description.ts';

describe('snapshot description mark', () => {
  const owner = { uid: '9b1e-1', namespace: 'prod', name: 'before-upgrade' };

  it('round-trips owner, intent and a multi-line description behind a human line', () => {
    const description = 'line "one" <&>\nline two\n{"json": true}';
    const encoded = encodeSnapshotDescription({ owner, description, memory: false });
    expect(encoded.split('\n')[0]).toBe('vmsnap VMSnapshot prod/before-upgrade: line "one" <&>');
    expect(encoded.split('\n')).toHaveLength(2);
    expect(decodeSnapshotDescription(encoded)).toEqual({ owner, description, memory: false });
  });

  it('reports foreign or damaged descriptions as unowned without throwing', () => {
    for (const foreign of [
      undefined,
      '',
      'taken by hand',
      '{"a":1}',
      '{"vmsnap.io/v1":{"owner":{"uid":""}}}',
      '{"vmsnap.io/v1":{"owner":"x"}}',
      'x\n{broken json',
      '{"vmsnap.io/v1":[1]}',
    ]) {
      expect(decodeSnapshotDescription(foreign)).toBeUndefined();
    }
  });
});

describe('snapshot names and the driver factory', () => {
  it('accepts short ASCII names only', () => {
    expect(isValidSnapshotName('vs-9b1e2c3d-aaaa-bbbb-cccc-123456789012')).toBe(true);
    for (const bad of ['', 'x/y', '-x', 'a b', 'ü', 'x'.repeat(129)])
      expect(isValidSnapshotName(bad)).toBe(false);
  });

  it('builds drivers by spec.driver; sim only with hosts handed in', async () => {
    const host = new SimHypervisor({ name: 'lab' });
    host.defineDomain({ name: 'vm' });
    const factory = createDriverFactory({ simHosts: new Map([['lab', host]]) });
    expect((await factory({ driver: 'sim', uri: 'sim://lab' }).getDomain('vm')).phase).toBe('Stopped');
    expect(() => factory({ driver: 'sim', uri: 'sim://other' })).toThrow(/no simulated hypervisor/);
    expect(() => createDriverFactory()({ driver: 'sim', uri: 'sim://lab' })).toThrow();
    expect(() => factory({ driver: 'hyperv', uri: 'x' })).toThrow(/no driver named/);
    expect(factory({ driver: 'libvirt', uri: 'qemu:///system' })).toBeDefined();
  });
});
