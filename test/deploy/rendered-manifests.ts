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

/** The object of `kind` named `name`; throws when it was not rendered. */
export function named(objects: Manifest[], kind: string, name: string): Manifest {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`expected ${kind} ${name}, not rendered`);
  return found;
}

/**
 * The ClusterRoles and Roles bound to the operator's ServiceAccount: what the operator may do. Other roles in
 * deploy/ (the user-facing vmsnap-view and vmsnap-edit) are bound by nobody here.
 */
export function operatorRoles(objects: Manifest[]): Manifest[] {
  const serviceAccount = only(objects, 'ServiceAccount');
  const bindings = objects.filter(
    (o) =>
      (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') &&
      (o.subjects ?? []).some(
        (s: { kind: string; name: string; namespace?: string }) =>
          s.kind === 'ServiceAccount' &&
          s.name === serviceAccount.metadata.name &&
          s.namespace === serviceAccount.metadata.namespace,
      ),
  );
  return bindings.map((binding) => {
    const namespace = binding.kind === 'RoleBinding' ? binding.metadata.namespace : undefined;
    const role = objects.find(
      (o) =>
        o.kind === binding.roleRef.kind &&
        o.metadata.name === binding.roleRef.name &&
        (binding.roleRef.kind === 'ClusterRole' || o.metadata.namespace === namespace),
    );
    if (role === undefined)
      throw new Error(`${binding.kind} ${binding.metadata.name} refers to a role not rendered`);
    return role;
  });
}
