// examples/ holds manifests users apply as they are: each must parse and be valid against the CRDs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { KINDS, type Kind } from '../../src/api/group.ts';
import {
  parseHypervisor,
  parseVirtualMachine,
  parseVMRevert,
  parseVMSnapshot,
  parseVMSnapshotSchedule,
  type Result,
} from '../../src/api/index.ts';
import { crdValidator } from './fixtures/crd-validator.ts';

const EXAMPLE_DIR = join(import.meta.dirname, '..', '..', 'examples');

const PARSERS: Record<Kind, (input: unknown) => Result<unknown>> = {
  Hypervisor: parseHypervisor,
  VirtualMachine: parseVirtualMachine,
  VMSnapshot: parseVMSnapshot,
  VMRevert: parseVMRevert,
  VMSnapshotSchedule: parseVMSnapshotSchedule,
};

type Manifest = { kind: Kind; metadata: Record<string, unknown>; spec: Record<string, unknown> };

function example(file: string): Manifest {
  return load(readFileSync(join(EXAMPLE_DIR, file), 'utf8')) as Manifest;
}

const files = readdirSync(EXAMPLE_DIR).filter((file) => file.endsWith('.yaml'));

describe('examples/', () => {
  it.each(files)('%s parses and is valid against its CRD', (file) => {
    const manifest = example(file);
    expect(KINDS).toContain(manifest.kind);
    expect(crdValidator(manifest.kind)(manifest).fields).toEqual([]);
    // Namespaced examples carry no namespace (users pick one with -n); the server fills it in.
    const stored =
      manifest.kind === 'Hypervisor'
        ? manifest
        : { ...manifest, metadata: { ...manifest.metadata, namespace: 'default' } };
    const parsed = PARSERS[manifest.kind](stored);
    if (!parsed.ok) throw parsed.error;
  });

  it('cover what the README promises: a local libvirt host, a VM, memory and disk-only snapshots, a revert', () => {
    const manifests = files.map(example);
    expect(manifests.find((m) => m.kind === 'Hypervisor')?.spec).toMatchObject({
      driver: 'libvirt',
      uri: 'qemu:///system',
    });
    expect(manifests.some((m) => m.kind === 'VirtualMachine')).toBe(true);
    const snapshots = manifests.filter((m) => m.kind === 'VMSnapshot');
    expect(snapshots.map((m) => m.spec.memory).sort()).toEqual([false, true]);
    const revert = manifests.find((m) => m.kind === 'VMRevert');
    expect(snapshots.map((m) => m.metadata.name)).toContain(revert?.spec.snapshotName);
  });
});
