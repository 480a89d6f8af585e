import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAllCrds } from '../../src/api/index.ts';
import { installCrds } from '../../src/operator/install-crds.ts';
import { KubeClient } from '../../src/runtime/kube-client.ts';
import { kubeConfigFor } from '../support/client-node.ts';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';

const CRDS = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  namespaced: false,
};

describe('installCrds', () => {
  let controlPlane: TestControlPlane;
  let client: KubeClient;

  beforeAll(async () => {
    controlPlane = await startTestControlPlane();
    client = new KubeClient(kubeConfigFor(controlPlane), { fieldManager: 'test' });
  });

  afterAll(async () => {
    await controlPlane?.stop();
  });

  it('creates every vmsnap CRD and returns once each is Established; a second run (restart) updates in place', async () => {
    await installCrds(client);
    const first = await Promise.all(
      buildAllCrds().map((crd) => client.get(CRDS, { name: crd.metadata.name })),
    );
    await installCrds(client);
    for (const [i, crd] of buildAllCrds().entries()) {
      const current = await client.get<{
        metadata: { uid?: string };
        status?: { conditions?: Array<{ type: string; status: string }> };
      }>(CRDS, { name: crd.metadata.name });
      expect(current.metadata.uid).toBe(first[i]?.metadata.uid);
      expect(current.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
    }
  });
});
