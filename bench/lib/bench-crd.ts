import {
  ApiextensionsV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';

export const BENCH_GROUP = 'bench.vmsnap.io';
export const BENCH_VERSION = 'v1';
export const BENCH_PLURAL = 'gauges';
export const BENCH_NAMESPACE = 'default';

/** Where client-node's CustomObjectsApi finds the bench resource. */
export const GAUGES = {
  group: BENCH_GROUP,
  version: BENCH_VERSION,
  plural: BENCH_PLURAL,
  namespace: BENCH_NAMESPACE,
} as const;

export const GAUGES_PATH = `/apis/${BENCH_GROUP}/${BENCH_VERSION}/namespaces/${BENCH_NAMESPACE}/${BENCH_PLURAL}`;

/**
 * A small namespaced CRD with a status subresource, a printer column (so Table lists have a column beyond
 * NAME/AGE) and a schema the server validates on every write.
 */
export const GAUGES_CRD: V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${BENCH_PLURAL}.${BENCH_GROUP}` },
  spec: {
    group: BENCH_GROUP,
    scope: 'Namespaced',
    names: { plural: BENCH_PLURAL, singular: 'gauge', kind: 'Gauge', listKind: 'GaugeList' },
    versions: [
      {
        name: BENCH_VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Target', type: 'string', jsonPath: '.spec.target' },
          { name: 'Value', type: 'integer', jsonPath: '.status.value' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['target'],
                properties: {
                  target: { type: 'string', maxLength: 253 },
                  intervalSeconds: { type: 'integer', minimum: 1 },
                  tags: { type: 'array', items: { type: 'string' } },
                },
              },
              status: {
                type: 'object',
                properties: {
                  value: { type: 'integer' },
                  observedGeneration: { type: 'integer' },
                  message: { type: 'string' },
                },
              },
            },
          },
        },
      },
    ],
  },
};

export interface Gauge extends KubernetesObject {
  spec: { target: string; intervalSeconds: number; tags: string[] };
  status?: { value?: number; observedGeneration?: number; message?: string };
}

/** A Gauge as a client would create it: ~400 bytes of JSON once the server has added its metadata. */
export function gauge(name: string): Gauge {
  return {
    apiVersion: `${BENCH_GROUP}/${BENCH_VERSION}`,
    kind: 'Gauge',
    metadata: { name, labels: { app: 'bench', shard: String(name.length % 4) } },
    spec: { target: `vm/${name}`, intervalSeconds: 30, tags: ['bench', 'loopback'] },
  };
}

/** Creates the CRD and waits (polling, 10 s at most) until the server reports it Established. */
export async function installGaugesCrd(kubeConfig: KubeConfig): Promise<void> {
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const name = GAUGES_CRD.metadata?.name ?? '';
  await api.createCustomResourceDefinition({ body: GAUGES_CRD });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const crd = await api.readCustomResourceDefinition({ name });
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    if (Date.now() > deadline) throw new Error(`CRD ${name} not Established within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
