// Parsing of recorded virsh/qemu-img output (test/drivers/fixtures/libvirt, captured from libvirt 9.0.0 /
// QEMU 7.2 on this project's machine).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDomInfo, parseDomState, toDomainInfo } from '../../src/drivers/libvirt/domain-state.ts';
import { parseSnapshotTable, snapshotCapableDisks } from '../../src/drivers/libvirt/image-snapshots.ts';
import { planRevert } from '../../src/drivers/libvirt/revert-plan.ts';
import { toSnapshotInfo } from '../../src/drivers/libvirt/snapshot-info.ts';
import { parseDomainDisks, parseSnapshotXml, XmlParseError } from '../../src/drivers/libvirt/snapshot-xml.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/libvirt/${name}`, import.meta.url), 'utf8');

describe('snapshot-dumpxml parsing', () => {
  it('reads a vmsnap memory snapshot of a running VM, with entities decoded', () => {
    const xml = parseSnapshotXml(fixture('running.xml'));
    expect(xml).toMatchObject({ name: 'vs-1234', state: 'running', memory: 'internal', parent: undefined });
    expect(xml.creationTime).toBeGreaterThan(1_700_000_000);
    expect(xml.disks).toEqual([
      { name: 'vda', snapshot: 'internal' },
      { name: 'hdc', snapshot: 'no' },
    ]);
    const info = toSnapshotInfo(xml, 'vs-1234');
    expect(info).toMatchObject({
      name: 'vs-1234',
      description: 'a & b <x>',
      memory: true,
      vmPhase: 'Running',
      current: true,
      location: 'internal',
      owner: { uid: '1234', namespace: 'prod', name: 'before' },
    });
    expect(info.creationTime).toBe(new Date(xml.creationTime! * 1000).toISOString().replace('.000Z', 'Z'));
  });

  it('reads a foreign snapshot with spaces in its name and a parent, taken while paused', () => {
    const info = toSnapshotInfo(parseSnapshotXml(fixture('paused.xml')), 'ext');
    expect(info).toMatchObject({
      name: 'paused one',
      parent: 'vs-1234',
      vmPhase: 'Paused',
      memory: true,
      current: false,
    });
    expect(info.owner).toBeUndefined();
    expect(info.description).toBe('');
  });

  it('recognises an external disk-only snapshot', () => {
    const info = toSnapshotInfo(parseSnapshotXml(fixture('external.xml')), undefined);
    expect(info).toMatchObject({
      name: 'ext',
      location: 'external',
      memory: false,
      vmPhase: 'Running',
      parent: 'paused one',
    });
  });

  it('keeps numeric-looking names and descriptions as text', () => {
    const xml = parseSnapshotXml(
      '<domainsnapshot><name>007</name><description>1e3</description><state>shutoff</state><memory snapshot="no"/></domainsnapshot>',
    );
    expect(xml).toMatchObject({ name: '007', description: '1e3', state: 'shutoff', creationTime: undefined });
  });

  it('rejects XML that is not a snapshot, saying what is missing', () => {
    expect(() => parseSnapshotXml('<domain/>')).toThrow(XmlParseError);
    expect(() => parseSnapshotXml('<domainsnapshot><state>running</state></domainsnapshot>')).toThrow(
      /no <name>/,
    );
    expect(() => parseSnapshotXml('not xml at all <<')).toThrow(XmlParseError);
  });
});

describe('domain XML disks', () => {
  it('lists disk devices (not cdroms) with format, file and alias', () => {
    const disks = parseDomainDisks(fixture('domain-running.xml'));
    expect(disks).toHaveLength(1);
    expect(disks[0]).toMatchObject({
      target: 'vda',
      format: 'qcow2',
      alias: 'virtio-disk0',
      readonly: false,
    });
    // Recorded after the external snapshot `ext`: the disk now writes to its overlay.
    expect(disks[0]?.sourceFile).toMatch(/d\.ext$/);
    expect(snapshotCapableDisks(disks)).toHaveLength(1);
    expect(snapshotCapableDisks([{ ...disks[0]!, format: 'raw' }])).toEqual([]);
  });
});

describe('domain state', () => {
  it('parses dominfo and domstate --reason', () => {
    const running = parseDomInfo(fixture('dominfo-running.txt'));
    expect(running).toMatchObject({ name: 'vmsnap-fixture', state: 'running', managedSave: false });
    expect(running.uuid).toMatch(/^[0-9a-f-]{36}$/);
    const off = parseDomInfo(fixture('dominfo-off.txt'));
    expect(toDomainInfo(off, fixture('domstate-off.txt'))).toMatchObject({
      phase: 'Stopped',
      stateDetail: 'shut off (destroyed)',
    });
    expect(() => parseDomInfo('garbage')).toThrow(/dominfo/);
  });

  it('maps paused reasons so an interrupted save is visible', () => {
    const info = { name: 'd', uuid: 'u', state: 'paused', managedSave: false };
    expect(toDomainInfo(info, 'paused (saving)\n')).toMatchObject({
      phase: 'Paused',
      pausedReason: 'Saving',
    });
    expect(toDomainInfo(info, 'paused (snapshot)')).toMatchObject({ pausedReason: 'Snapshot' });
    expect(toDomainInfo(info, 'paused (from snapshot)')).toMatchObject({ pausedReason: 'FromSnapshot' });
    expect(toDomainInfo(info, 'paused (user)')).toMatchObject({ pausedReason: 'User' });
    expect(toDomainInfo(info, 'paused (I/O error)')).toMatchObject({ pausedReason: 'Other' });
    expect(parseDomState('shut off (from snapshot)')).toEqual({ state: 'shut off', reason: 'from snapshot' });
    expect(toDomainInfo({ ...info, state: 'shut off', managedSave: true }, 'shut off (saved)').phase).toBe(
      'Suspended',
    );
    expect(toDomainInfo({ ...info, state: 'weird' }, undefined).phase).toBe('Unknown');
  });
});

describe('snapshot tables inside images', () => {
  it('reads qemu-img snapshot -l, tags with spaces included', () => {
    const tags = parseSnapshotTable(fixture('qemu-img-l.txt'));
    expect([...tags.complete].sort()).toEqual(['paused one', 'vs-1234']);
  });

  it('reads HMP info snapshots, separating partial snapshots', () => {
    expect(parseSnapshotTable(fixture('info-snapshots.txt')).any.size).toBe(0);
    const out = [
      'List of snapshots present on all disks:',
      'ID        TAG               VM SIZE                DATE     VM CLOCK     ICOUNT',
      '--        s1                698 KiB 2026-11-25 03:54:43 00:00:00.050',
      '',
      "List of partial (non-loadable) snapshots on 'drive-virtio-disk1':",
      'ID        TAG               VM SIZE                DATE     VM CLOCK     ICOUNT',
      '1         half                0 B 2026-11-25 03:55:43 00:00:00.000          0',
    ].join('\n');
    const tags = parseSnapshotTable(out);
    expect([...tags.complete]).toEqual(['s1']);
    expect([...tags.any].sort()).toEqual(['half', 's1']);
  });
});

describe('revert plans', () => {
  it('covers every snapshot kind and final state', () => {
    const plan = (
      storedMemory: boolean,
      diskOnlyIntent: boolean,
      finalState: 'Running' | 'Paused' | 'Stopped',
    ) => planRevert({ storedMemory, diskOnlyIntent, finalState });
    expect(plan(true, false, 'Running')).toEqual(['RevertRunning']);
    expect(plan(true, false, 'Paused')).toEqual(['RevertPaused']);
    expect(plan(true, false, 'Stopped')).toEqual(['RevertPaused', 'Destroy']);
    expect(plan(true, true, 'Stopped')).toEqual(['RevertPaused', 'Destroy']);
    expect(plan(true, true, 'Running')).toEqual(['RevertPaused', 'Destroy', 'Start']);
    expect(plan(true, true, 'Paused')).toEqual(['RevertPaused', 'Destroy', 'StartPaused']);
    expect(plan(false, false, 'Stopped')).toEqual(['Revert']);
    expect(plan(false, false, 'Running')).toEqual(['RevertRunning']);
    expect(plan(false, false, 'Paused')).toEqual(['RevertPaused']);
  });
});
