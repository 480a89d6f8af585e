import { buildAllCrds } from '../api/index.ts';
import type { KubeClient } from '../runtime/kube-client.ts';
import { isAlreadyExists } from '../runtime/kube-error.ts';
import type { KubeObject, KubeResource } from '../runtime/kube-object.ts';

const CRDS: KubeResource = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  namespaced: false,
};

interface CrdObject extends KubeObject {
  status?: { conditions?: Array<{ type: string; status: string; message?: string }> };
}

/**
 * Creates vmsnap's CRDs (or updates them to this build's schemas) and waits until the API server reports each
 * Established, so the operator's informers never list a resource that is not served yet.
 */
export async function installCrds(
  client: KubeClient,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<void> {
  const crds = buildAllCrds();
  for (const crd of crds) {
    const body = crd as unknown as KubeObject;
    try {
      await client.create(CRDS, body);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      const existing = await client.get<CrdObject>(CRDS, { name: crd.metadata.name });
      await client.replace(CRDS, {
        ...body,
        metadata: { ...crd.metadata, resourceVersion: existing.metadata.resourceVersion },
      });
    }
  }
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (const crd of crds) {
    for (;;) {
      const current = await client.get<CrdObject>(CRDS, { name: crd.metadata.name });
      const established = current.status?.conditions?.find((c) => c.type === 'Established');
      if (established?.status === 'True') break;
      if (Date.now() > deadline) {
        throw new Error(
          `CRD ${crd.metadata.name} was not Established in time: ${established?.message ?? 'no Established condition'}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
    }
  }
}
