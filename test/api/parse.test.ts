import { describe, expect, it } from 'vitest';
import type { Kind } from '../../src/api/group.ts';
import {
  type InvalidObjectError,
  parseHypervisor,
  parseVirtualMachine,
  parseVMRevert,
  parseVMSnapshot,
  parseVMSnapshotSchedule,
  type Result,
} from '../../src/api/index.ts';
import {
  API_MD_EXAMPLES,
  hypervisorExample,
  virtualMachineExample,
  vmRevertExample,
  vmSnapshotExample,
} from './fixtures/api-md-examples.ts';
import { BAD_INPUTS } from './fixtures/bad-inputs.ts';

const PARSERS: Record<Kind, (input: unknown) => Result<unknown>> = {
  Hypervisor: parseHypervisor,
  VirtualMachine: parseVirtualMachine,
  VMSnapshot: parseVMSnapshot,
  VMRevert: parseVMRevert,
  VMSnapshotSchedule: parseVMSnapshotSchedule,
};

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw result.error;
  return result.value;
}

function errorOf(result: Result<unknown>): InvalidObjectError {
  if (result.ok) throw new Error(`expected a parse failure, got ${JSON.stringify(result.value)}`);
  return result.error;
}

function minimal(kind: Kind, spec: Record<string, unknown>, namespace = 'prod') {
  const metadata = kind === 'Hypervisor' ? { name: 'x' } : { name: 'x', namespace };
  return { apiVersion: 'vmsnap.io/v1alpha1', kind, metadata, spec };
}

describe('API.md examples', () => {
  it.each(Object.keys(API_MD_EXAMPLES) as Kind[])('%s parses', (kind) => {
    // unwrap throws the parse error, so a failure shows which field broke.
    expect(unwrap(PARSERS[kind](API_MD_EXAMPLES[kind]))).toBeDefined();
  });

  it('Hypervisor becomes a domain value', () => {
    const hypervisor = unwrap(parseHypervisor(hypervisorExample));
    expect(hypervisor.identity).toMatchObject({ kind: 'Hypervisor', name: 'kvm-01', namespace: '' });
    expect(hypervisor.spec).toEqual({
      driver: 'libvirt',
      uri: 'qemu+ssh://root@kvm-01/system',
      credentialsSecretRef: { namespace: 'vmsnap-system', name: 'kvm-01-ssh' },
      maxConcurrentOperations: 2,
      insecureSkipTLSVerify: false,
    });
    expect(hypervisor.status.capabilities).toEqual({
      memorySnapshots: true,
      quiesce: true,
      revertExternal: false,
    });
  });

  it('VirtualMachine keeps its hold and phase apart', () => {
    const vm = unwrap(parseVirtualMachine(virtualMachineExample));
    expect(vm.identity).toMatchObject({ name: 'web-1', namespace: 'prod' });
    expect(vm.spec).toEqual({
      hypervisorName: 'kvm-01',
      domain: 'web-1',
      powerState: 'Running',
      maxSnapshots: 10,
    });
    expect(vm.status.phase).toBe('Running');
    expect(vm.status.hold?.operation).toBe('Snapshot');
    expect(vm.status.hold?.holder.kind).toBe('VMSnapshot');
    expect(vm.status.conditions.map((c) => c.type)).toEqual(['Ready', 'Snapshotting', 'Reverting']);
  });

  it('VMSnapshot turns failureDeadline into milliseconds', () => {
    const snapshot = unwrap(parseVMSnapshot(vmSnapshotExample));
    expect(snapshot.spec).toEqual({
      vmName: 'web-1',
      memory: true,
      quiesce: false,
      description: 'before kernel upgrade',
      deletionPolicy: 'Delete',
      failureDeadlineMs: 10 * 60_000,
    });
    expect(snapshot.status.phase).toBe('Ready');
    expect(snapshot.status.error?.message).toBe('guest agent not responding');
  });

  it('VMRevert keeps its plan', () => {
    const revert = unwrap(parseVMRevert(vmRevertExample));
    expect(revert.spec).toEqual({
      snapshotName: 'before-upgrade',
      allowPowerChange: true,
      startAfterRevert: false,
    });
    expect(revert.status.steps).toEqual(['StopVM', 'RevertTo']);
  });

  it('a vSphere Hypervisor and an inventory-path domain parse', () => {
    const vsphere = minimal('Hypervisor', {
      driver: 'vsphere',
      uri: 'https://vcenter.example.com/sdk',
      credentialsSecretRef: { namespace: 'vmsnap-system', name: 'vcenter' },
    });
    expect(unwrap(parseHypervisor(vsphere)).spec.driver).toBe('vsphere');
    const vm = minimal('VirtualMachine', { hypervisorName: 'vcenter', domain: 'DC0/vm/web-1' });
    expect(unwrap(parseVirtualMachine(vm)).spec.domain).toBe('DC0/vm/web-1');
  });
});

describe('defaults', () => {
  it('Hypervisor: maxConcurrentOperations 2, no credentials', () => {
    const spec = unwrap(parseHypervisor(minimal('Hypervisor', { driver: 'sim', uri: 'sim://lab' }))).spec;
    expect(spec).toEqual({
      driver: 'sim',
      uri: 'sim://lab',
      credentialsSecretRef: undefined,
      maxConcurrentOperations: 2,
      insecureSkipTLSVerify: false,
    });
  });

  it('VirtualMachine: observe-only power state, no snapshot limit', () => {
    const spec = unwrap(
      parseVirtualMachine(minimal('VirtualMachine', { hypervisorName: 'h', domain: 'd' })),
    ).spec;
    expect(spec.powerState).toBeUndefined();
    expect(spec.maxSnapshots).toBeUndefined();
  });

  it('VMSnapshot: disk-only, no quiesce, Delete, 10 minute deadline', () => {
    const spec = unwrap(parseVMSnapshot(minimal('VMSnapshot', { vmName: 'web-1' }))).spec;
    expect(spec).toEqual({
      vmName: 'web-1',
      memory: false,
      quiesce: false,
      description: '',
      deletionPolicy: 'Delete',
      failureDeadlineMs: 600_000,
    });
  });

  it('VMSnapshot: failureDeadline 0 means no deadline', () => {
    const spec = unwrap(
      parseVMSnapshot(minimal('VMSnapshot', { vmName: 'web-1', failureDeadline: '0' })),
    ).spec;
    expect(spec.failureDeadlineMs).toBeUndefined();
  });

  it('VMRevert: power changes allowed, no start after revert', () => {
    const spec = unwrap(parseVMRevert(minimal('VMRevert', { snapshotName: 's' }))).spec;
    expect(spec).toEqual({ snapshotName: 's', allowPowerChange: true, startAfterRevert: false });
  });

  it('a missing status reads as no conditions', () => {
    expect(unwrap(parseVMRevert(minimal('VMRevert', { snapshotName: 's' }))).status).toEqual({
      conditions: [],
    });
  });
});

describe('identity', () => {
  it('carries uid, generation, resourceVersion, labels, finalizers and deletion', () => {
    const object = structuredClone(vmSnapshotExample) as { metadata: Record<string, unknown> };
    Object.assign(object.metadata, {
      uid: 'u-1',
      generation: 3,
      resourceVersion: '42',
      labels: { 'vmsnap.io/vm': 'web-1' },
      finalizers: ['vmsnap.io/snapshot'],
      deletionTimestamp: '2026-11-24T12:00:00Z',
    });
    expect(unwrap(parseVMSnapshot(object)).identity).toEqual({
      kind: 'VMSnapshot',
      name: 'before-upgrade',
      namespace: 'prod',
      uid: 'u-1',
      generation: 3,
      resourceVersion: '42',
      labels: { 'vmsnap.io/vm': 'web-1' },
      finalizers: ['vmsnap.io/snapshot'],
      deleting: true,
    });
  });

  it('drops fields the contract does not know instead of passing them inward', () => {
    const object = minimal('VMRevert', { snapshotName: 's', bogus: true });
    expect(unwrap(parseVMRevert(object)).spec).not.toHaveProperty('bogus');
  });
});

describe('bad input names the field', () => {
  it.each(BAD_INPUTS.map((bad) => [`${bad.kind}: ${bad.name}`, bad] as const))('%s', (_, bad) => {
    const error = errorOf(PARSERS[bad.kind](bad.object));
    expect(error.issues.map((issue) => issue.field)).toContain(bad.field);
    expect(error.message).toContain(`${bad.field}: `);
  });

  it('says what the value was and what would be right', () => {
    const object = minimal('VMSnapshot', { vmName: 'web-1', failureDeadline: '10x' });
    expect(errorOf(parseVMSnapshot(object)).message).toBe(
      'VMSnapshot "prod/x" is invalid: spec.failureDeadline: Invalid value: "10x": must be a duration like 10m, ' +
        '1h30m, 90s or 500ms (units h, m, s, ms), or 0 for none',
    );
  });

  it('reports every problem, not just the first', () => {
    const object = minimal('VMSnapshot', { vmName: 'Web 1', deletionPolicy: 'Keep' });
    expect(errorOf(parseVMSnapshot(object)).issues.map((i) => i.field)).toEqual([
      'spec.vmName',
      'spec.deletionPolicy',
    ]);
  });

  it('a namespaced kind without a namespace', () => {
    const object = minimal('VMSnapshot', { vmName: 'web-1' }, '');
    expect(errorOf(parseVMSnapshot(object)).issues).toEqual([
      { field: 'metadata.namespace', message: 'Required value' },
    ]);
  });

  it('a cluster-scoped kind with a namespace', () => {
    const object = {
      ...minimal('Hypervisor', { driver: 'sim', uri: 'sim://x' }),
      metadata: { name: 'h', namespace: 'p' },
    };
    expect(errorOf(parseHypervisor(object)).issues.map((i) => i.field)).toEqual(['metadata.namespace']);
  });

  it('the wrong kind or apiVersion', () => {
    const wrongKind = { ...vmSnapshotExample, kind: 'VMRevert' };
    expect(errorOf(parseVMSnapshot(wrongKind)).issues.map((i) => i.field)).toContain('kind');
    const wrongVersion = { ...vmSnapshotExample, apiVersion: 'vmsnap.io/v1' };
    expect(errorOf(parseVMSnapshot(wrongVersion)).issues.map((i) => i.field)).toEqual(['apiVersion']);
  });

  it('something that is not an object at all', () => {
    expect(errorOf(parseVMSnapshot('web-1')).message).toMatch(/^VMSnapshot is invalid: <root>: /);
    expect(errorOf(parseVMSnapshot(null)).issues).toHaveLength(1);
  });
});
