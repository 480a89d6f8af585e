// The generated CRDs: structural, shaped as kubectl users expect, and agreeing with the zod parsers on what is
// valid (checked with ajv, the way a Kubernetes-style API server validates custom resources).
import { evaluate } from '@marcbachmann/cel-js';
import { describe, expect, it } from 'vitest';
import { buildCrd } from '../../src/api/crd/build-crd.ts';
import { CATEGORY, KIND_DEFINITIONS } from '../../src/api/crd/definitions.ts';
import { KINDS, type Kind } from '../../src/api/group.ts';
import { hypervisorSpecSchema } from '../../src/api/hypervisor.ts';
import { virtualMachineSpecSchema } from '../../src/api/virtual-machine.ts';
import { vmRevertSpecSchema } from '../../src/api/vm-revert.ts';
import { vmSnapshotSpecSchema } from '../../src/api/vm-snapshot.ts';
import { API_MD_EXAMPLES } from './fixtures/api-md-examples.ts';
import { BAD_INPUTS } from './fixtures/bad-inputs.ts';
import { crdValidator, loadCrdFile } from './fixtures/crd-validator.ts';

type Node = Record<string, unknown>;

function versionOf(kind: Kind) {
  const version = (buildCrd(kind).spec.versions as Node[])[0];
  if (!version) throw new Error(`no version in the ${kind} CRD`);
  return version;
}

function schemaOf(kind: Kind): Node {
  return (versionOf(kind).schema as { openAPIV3Schema: Node }).openAPIV3Schema;
}

function at(node: Node, ...path: string[]): Node {
  let current = node;
  for (const name of path) current = (current.properties as Record<string, Node>)[name] as Node;
  return current;
}

/** Every schema node with its path, depth first. */
function* nodes(node: Node, path = ''): Generator<[string, Node]> {
  yield [path, node];
  for (const [name, child] of Object.entries((node.properties as Record<string, Node>) ?? {})) {
    yield* nodes(child, `${path}.${name}`);
  }
  if (node.items) yield* nodes(node.items as Node, `${path}[]`);
  if (typeof node.additionalProperties === 'object')
    yield* nodes(node.additionalProperties as Node, `${path}{}`);
}

describe('structural schemas', () => {
  it.each(KINDS)('%s: every node has a type and nothing Kubernetes refuses', (kind) => {
    for (const [path, node] of nodes(schemaOf(kind))) {
      expect(typeof node.type, `${kind} ${path}`).toBe('string');
      for (const forbidden of ['$schema', '$ref', 'const', 'anyOf', 'oneOf', 'allOf', 'not', 'definitions']) {
        expect(node, `${kind} ${path}`).not.toHaveProperty(forbidden);
      }
      expect(node.additionalProperties, `${kind} ${path}`).not.toBe(false);
    }
  });

  it.each(KINDS)('%s: metadata is left to the server and spec is required', (kind) => {
    expect(at(schemaOf(kind), 'metadata')).toEqual({ type: 'object' });
    expect(schemaOf(kind).required).toEqual(['spec']);
  });

  it.each(KINDS)('%s: conditions are a list map keyed by type', (kind) => {
    const conditions = at(schemaOf(kind), 'status', 'conditions');
    expect(conditions['x-kubernetes-list-type']).toBe('map');
    expect(conditions['x-kubernetes-list-map-keys']).toEqual(['type']);
    expect((conditions.items as Node).required).toContain('type');
  });

  it.each(KINDS)('%s: fields carry descriptions for kubectl explain', (kind) => {
    for (const [path, node] of nodes(at(schemaOf(kind), 'spec'))) {
      expect(node.description, `${kind} spec${path}`).toEqual(expect.any(String));
    }
  });

  it('defaults are declared in the CRDs, so the server applies them', () => {
    expect(at(schemaOf('Hypervisor'), 'spec', 'maxConcurrentOperations').default).toBe(2);
    expect(at(schemaOf('VMSnapshot'), 'spec', 'failureDeadline').default).toBe('10m');
    expect(at(schemaOf('VMRevert'), 'spec', 'allowPowerChange').default).toBe(true);
  });
});

describe('immutability', () => {
  const RULE = { rule: 'self == oldSelf', message: 'spec is immutable' };

  it.each(['VMSnapshot', 'VMRevert'] as const)('%s spec carries the CEL rule, and the rule holds', (kind) => {
    const spec = at(schemaOf(kind), 'spec');
    expect(spec['x-kubernetes-validations']).toEqual([RULE]);
    const old = (API_MD_EXAMPLES[kind] as { spec: Node }).spec;
    expect(evaluate(RULE.rule, { self: structuredClone(old), oldSelf: old })).toBe(true);
    expect(
      evaluate(RULE.rule, { self: { ...old, snapshotName: 'other', vmName: 'other' }, oldSelf: old }),
    ).toBe(false);
  });

  it.each(['Hypervisor', 'VirtualMachine'] as const)('%s spec stays editable', (kind) => {
    expect(at(schemaOf(kind), 'spec')).not.toHaveProperty('x-kubernetes-validations');
  });
});

describe('names and columns', () => {
  it('scope, status subresource and category', () => {
    for (const kind of KINDS) {
      const crd = buildCrd(kind);
      expect(crd.spec.scope).toBe(kind === 'Hypervisor' ? 'Cluster' : 'Namespaced');
      expect(versionOf(kind).subresources).toEqual({ status: {} });
      expect((crd.spec.names as Node).categories).toEqual([CATEGORY]);
    }
  });

  it('short names are unique and never shadow the category or KubeVirt', () => {
    const shortNames = KINDS.flatMap((kind) => KIND_DEFINITIONS[kind].shortNames);
    expect(new Set(shortNames).size).toBe(shortNames.length);
    for (const taken of [CATEGORY, 'vm', 'vms', 'vmsnapshot', 'vmsnapshots', 'vmrestore']) {
      expect(shortNames).not.toContain(taken);
    }
  });

  it.each([
    ['VMSnapshot', ['VM', 'Phase', 'Parent', 'Memory', 'Ready', 'Age']],
    ['VirtualMachine', ['Hypervisor', 'Phase', 'Hold', 'Current', 'Age']],
    ['Hypervisor', ['Driver', 'URI', 'Ready', 'Version']],
    ['VMRevert', ['Snapshot', 'VM', 'Phase', 'Age']],
    ['VMSnapshotSchedule', ['Schedule', 'Suspend', 'Last', 'Next', 'Age']],
  ] as const)('%s printer columns', (kind, names) => {
    const columns = versionOf(kind).additionalPrinterColumns as { name: string; jsonPath: string }[];
    expect(columns.map((column) => column.name)).toEqual(names);
    const ready = columns.find((column) => column.name === 'Ready');
    if (ready) expect(ready.jsonPath).toBe('.status.conditions[?(@.type=="Ready")].status');
  });
});

describe('the CRDs agree with the parsers', () => {
  it.each(KINDS)('%s: the API.md example is valid', (kind) => {
    const verdict = crdValidator(kind)(API_MD_EXAMPLES[kind]);
    expect(verdict.fields).toEqual([]);
    expect(verdict.valid).toBe(true);
  });

  it.each(BAD_INPUTS.map((bad) => [`${bad.kind}: ${bad.name}`, bad] as const))('rejects %s', (_, bad) => {
    const verdict = crdValidator(bad.kind)(bad.object);
    expect(verdict.valid).toBe(false);
    expect(verdict.fields).toContain(bad.field);
  });

  it.each([
    ['Hypervisor', { driver: 'sim', uri: 'sim://lab' }, hypervisorSpecSchema],
    ['VirtualMachine', { hypervisorName: 'h', domain: 'd' }, virtualMachineSpecSchema],
    ['VMSnapshot', { vmName: 'web-1' }, vmSnapshotSpecSchema],
    ['VMRevert', { snapshotName: 's' }, vmRevertSpecSchema],
  ] as const)('%s: the server fills in the same defaults as the parser', (kind, spec, zodSpec) => {
    const metadata = kind === 'Hypervisor' ? { name: 'x' } : { name: 'x', namespace: 'p' };
    const verdict = crdValidator(kind)({ apiVersion: 'vmsnap.io/v1alpha1', kind, metadata, spec });
    expect(verdict.valid).toBe(true);
    expect((verdict.defaulted as { spec: unknown }).spec).toEqual(zodSpec.parse(spec));
  });

  it('the files on disk are the CRDs the tests above checked', () => {
    for (const kind of KINDS) {
      expect(loadCrdFile(kind).spec).toEqual(JSON.parse(JSON.stringify(buildCrd(kind).spec)));
    }
  });
});
