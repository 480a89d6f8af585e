import type { KubeConfig } from '@kubernetes/client-node';
import { vi } from 'vitest';
import type { Condition } from '../../src/runtime/conditions.ts';
import { KubeClient } from '../../src/runtime/kube-client.ts';
import { kubeConfigFor } from '../support/client-node.ts';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { CRDS, WIDGET_CRD } from './fixtures/widget-crd.ts';

export interface ApiServerEnv {
  controlPlane: TestControlPlane;
  kubeConfig: KubeConfig;
  client: KubeClient;
  stop(): Promise<void>;
}

/** The embedded control plane with the Widget CRD established, and a KubeClient speaking to it over HTTPS. */
export async function startApiServerEnv(options: { historyLimit?: number } = {}): Promise<ApiServerEnv> {
  const controlPlane = await startTestControlPlane(options);
  const kubeConfig = kubeConfigFor(controlPlane);
  const client = new KubeClient(kubeConfig, { fieldManager: 'runtime-test' });
  await client.create(CRDS, WIDGET_CRD);
  await vi.waitFor(
    async () => {
      const crd = await client.get<{ metadata: object; status?: { conditions?: Condition[] } }>(CRDS, {
        name: WIDGET_CRD.metadata.name,
      });
      const established = crd.status?.conditions?.find((c) => c.type === 'Established');
      if (established?.status !== 'True') throw new Error('Widget CRD not established yet');
    },
    { timeout: 20_000, interval: 100 },
  );
  return { controlPlane, kubeConfig, client, stop: () => controlPlane.stop() };
}
