import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { findKubectl, Kubectl } from '../support/kubectl.ts';

export const REPO = join(import.meta.dirname, '../..');
export const DEPLOY_DIR = join(REPO, 'deploy');

/** A rendered object, as loose JSON: the tests read fields and assert their shape. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are arbitrary JSON; each test asserts what it reads
  [field: string]: any;
}

/**
 * `kubectl kustomize deploy/` with the real kubectl, offline: its kubeconfig points nowhere, so a render that
 * needed a server would fail. Undefined (after a loud warning) when kubectl is missing locally; CI fails.
 */
export async function renderDeploy(): Promise<{ text: string; objects: Manifest[] } | undefined> {
  const binary = findKubectl('dispatcher');
  if (binary === undefined) return undefined;
  const kubectl = await Kubectl.create(binary, join(REPO, 'no-such-kubeconfig'));
  try {
    const text = await kubectl.ok(['kustomize', DEPLOY_DIR]);
    const objects = loadAll(text).filter((doc) => doc !== null && doc !== undefined) as Manifest[];
    return { text, objects };
  } finally {
    await kubectl.dispose();
  }
}

export function only(objects: Manifest[], kind: string): Manifest {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, rendered ${found.length}`);
  return found[0]!;
}
