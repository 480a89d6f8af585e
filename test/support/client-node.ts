import {
  ApiextensionsV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { load } from 'js-yaml';

/** A client-node KubeConfig loaded from the control plane's own kubeconfig file (CA + token, no insecure flag). */
export function kubeConfigFor(controlPlane: { kubeconfigPath: string }): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(controlPlane.kubeconfigPath);
  return kc;
}

/** Request options making a client-node patch call send a JSON merge patch (its default is JSON patch). */
export const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Request options for a JSON patch (RFC 6902), e.g. with `test` operations. */
export const jsonPatch = () => setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

/** Polls `read` (every 20 ms, up to `timeoutMs`) until it returns something truthy. */
export async function eventually<T>(
  read: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Creates a CustomResourceDefinition (an object or YAML text) and resolves once the server reports it Established,
 * i.e. once its custom resources can be used.
 */
export async function installCrd(
  kc: KubeConfig,
  manifest: string | V1CustomResourceDefinition,
): Promise<void> {
  const body = typeof manifest === 'string' ? (load(manifest) as V1CustomResourceDefinition) : manifest;
  const api = kc.makeApiClient(ApiextensionsV1Api);
  await api.createCustomResourceDefinition({ body });
  const name = body.metadata?.name ?? '';
  await eventually(async () => {
    const crd = await api.readCustomResourceDefinition({ name });
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  }, `CRD ${name} Established`);
}
