// The objects the demo applies: the manifests in examples/ as a user would apply them, with the
// VirtualMachine bound to the demo's domain. Reading the files (not copies of them) keeps the demo and the
// examples the README points at from drifting apart.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { load } from 'js-yaml';
import type { ApiObject } from '../controllers/shared/resources.ts';

export const EXAMPLES_DIR = join(import.meta.dirname, '..', '..', 'examples');
export const DEMO_NAMESPACE = 'default';

export interface DemoManifests {
  hypervisor: ApiObject;
  virtualMachine: ApiObject;
  snapshot: ApiObject;
}

/** Loads examples/{hypervisor-local,virtual-machine,vmsnapshot-memory}.yaml; the VM binds `domain`. */
export async function loadDemoManifests(domain: string): Promise<DemoManifests> {
  const hypervisor = await loadExample('hypervisor-local.yaml', 'Hypervisor');
  const virtualMachine = await loadExample('virtual-machine.yaml', 'VirtualMachine');
  const snapshot = await loadExample('vmsnapshot-memory.yaml', 'VMSnapshot');
  virtualMachine.metadata.namespace = DEMO_NAMESPACE;
  virtualMachine.spec = { ...(virtualMachine.spec as object), domain };
  snapshot.metadata.namespace = DEMO_NAMESPACE;
  return { hypervisor, virtualMachine, snapshot };
}

async function loadExample(file: string, kind: string): Promise<ApiObject> {
  const path = join(EXAMPLES_DIR, file);
  const manifest = load(await readFile(path, 'utf8')) as ApiObject | undefined;
  if (manifest?.kind !== kind || typeof manifest.metadata?.name !== 'string') {
    throw new Error(`${path}: expected a ${kind} manifest with metadata.name`);
  }
  return manifest;
}
