import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { findKubectl, KUBECTL_VERSIONS, Kubectl } from '../support/kubectl.ts';
import { stubType } from '../support/stub-types.ts';

describe.each([...KUBECTL_VERSIONS, 'dispatcher'])('kubectl %s discovery', (version) => {
  const binary = findKubectl(version);
  let cp: TestControlPlane;
  let kubectl: Kubectl;

  beforeAll(async () => {
    if (!binary) return;
    cp = await startTestControlPlane();
    cp.registry.add(stubType());
    kubectl = await Kubectl.create(binary, cp.kubeconfigPath);
  });
  afterAll(async () => {
    await kubectl?.dispose();
    await cp?.stop();
  });

  it.skipIf(!binary)('lists built-in and registered types with api-resources', async () => {
    const out = await kubectl.ok(['api-resources']);
    expect(out).toMatch(/^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
    expect(out).toMatch(/^widgets\s+wd\s+stub\.example\.com\/v1\s+true\s+Widget$/m);
    expect(out).toMatch(/^customresourcedefinitions\s+crd,crds\s+apiextensions\.k8s\.io\/v1\s+false/m);
  });

  it.skipIf(!binary)('reports the 1.32 server version', async () => {
    const out = await kubectl.ok(['version', '-o', 'json']);
    expect(JSON.parse(out).serverVersion).toMatchObject({ major: '1', minor: '32' });
  });

  it.skipIf(!binary)("fails with kube's Unauthorized message when the token is wrong", async () => {
    const result = await kubectl.run(['--token', 'wrong', 'api-resources']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Unauthorized|must be logged in/);
  });
});
