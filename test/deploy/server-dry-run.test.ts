import { join } from 'node:path';
import { dump } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argocdKey } from '../../scripts/argocd-health/render.ts';
import { KINDS } from '../../src/api/group.ts';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { findKubectl, Kubectl } from '../support/kubectl.ts';
import { type Manifest, REPO, renderDeploy } from './rendered-manifests.ts';

/** Kinds the server serves for each apiVersion in `apiVersions`, read from its discovery documents. */
async function servedKinds(kubectl: Kubectl, apiVersions: Iterable<string>): Promise<Set<string>> {
  const served = new Set<string>();
  for (const apiVersion of apiVersions) {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const result = await kubectl.run(['get', '--raw', path]);
    if (result.code !== 0) continue; // group/version not served at all
    const discovery = JSON.parse(result.stdout) as { resources: Array<{ name: string; kind: string }> };
    for (const r of discovery.resources) if (!r.name.includes('/')) served.add(`${apiVersion}/${r.kind}`);
  }
  return served;
}

describe('deploy/ against the embedded control plane', () => {
  let controlPlane: TestControlPlane | undefined;
  let kubectl: Kubectl | undefined;
  let objects: Manifest[] = [];

  beforeAll(async () => {
    const binary = findKubectl('dispatcher');
    const rendered = await renderDeploy();
    if (binary === undefined || rendered === undefined) return;
    objects = rendered.objects;
    controlPlane = await startTestControlPlane();
    kubectl = await Kubectl.create(binary, controlPlane.kubeconfigPath);
  });
  afterAll(async () => {
    await kubectl?.dispose();
    await controlPlane?.stop();
  });

  it('accepts every rendered object whose kind it serves, with kubectl apply --dry-run=server', async (ctx) => {
    if (kubectl === undefined) ctx.skip();
    const k = kubectl!;
    const served = await servedKinds(k, new Set(objects.map((o) => o.apiVersion)));
    const accepted = objects.filter((o) => served.has(`${o.apiVersion}/${o.kind}`));
    // Not vacuous: the namespace and every CRD must be among them.
    const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
    expect(accepted.map((o) => o.kind)).toContain('Namespace');
    expect(accepted.filter((o) => o.kind === 'CustomResourceDefinition')).toHaveLength(crds.length);

    const input = accepted.map((o) => dump(o, { noRefs: true })).join('---\n');
    const output = await k.ok(['apply', '--dry-run=server', '-f', '-'], { input });
    for (const o of accepted) {
      const name = o.kind === 'Namespace' ? `namespace/${o.metadata.name}` : o.metadata.name;
      expect(output).toMatch(new RegExp(`${name.replaceAll('.', '\\.')} created \\(server dry run\\)`));
    }
    // A dry run stores nothing.
    const after = await k.run(['get', 'namespace', 'vmsnap-system']);
    expect(after.stderr).toMatch(/NotFound|not found/);
  });

  it('merges the Argo CD health checks into an existing argocd-cm with kubectl patch --patch-file', async (ctx) => {
    if (kubectl === undefined) ctx.skip();
    const k = kubectl!;
    await k.ok(['create', 'namespace', 'argocd']);
    await k.ok([
      '-n',
      'argocd',
      'create',
      'configmap',
      'argocd-cm',
      '--from-literal=url=https://argocd.example.com',
    ]);
    const patchFile = join(REPO, 'deploy/argocd/argocd-cm-patch.yaml');
    await k.ok(['-n', 'argocd', 'patch', 'configmap', 'argocd-cm', '--patch-file', patchFile]);
    const cm = JSON.parse(await k.ok(['-n', 'argocd', 'get', 'configmap', 'argocd-cm', '-o', 'json'])) as {
      data: Record<string, string>;
    };
    expect(cm.data.url).toBe('https://argocd.example.com');
    for (const kind of KINDS) {
      expect(cm.data[argocdKey(kind)], kind).toMatch(/^-- Argo CD health check for vmsnap.io\//);
    }
  });
});
