import { CoreV1Api, CustomObjectsApi, EventsV1Api, V1MicroTime } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, jsonPatch, kubeConfigFor, mergePatch } from '../support/client-node.ts';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { findKubectl, KUBECTL_VERSIONS, Kubectl } from '../support/kubectl.ts';
import {
  SPROCKET_GROUP,
  SPROCKET_PLURAL,
  SPROCKET_VERSION,
  SPROCKETS_CRD_PATH,
} from './fixtures/sprockets.ts';

const NS = 'default';
const at = { group: SPROCKET_GROUP, version: SPROCKET_VERSION, plural: SPROCKET_PLURAL, namespace: NS };

interface Sprocket {
  metadata: {
    name: string;
    uid: string;
    generation: number;
    resourceVersion: string;
    deletionTimestamp?: string;
  };
}

describe.each(KUBECTL_VERSIONS)('kubectl %s watching, waiting, describing and deleting', (version) => {
  const binary = findKubectl(version);
  let cp: TestControlPlane;
  let kubectl: Kubectl;
  let custom: CustomObjectsApi;

  const create = (name: string, extra: Record<string, unknown> = {}) =>
    custom.createNamespacedCustomObject({
      ...at,
      body: {
        apiVersion: `${SPROCKET_GROUP}/${SPROCKET_VERSION}`,
        kind: 'Sprocket',
        metadata: { name, ...extra },
        spec: { size: 1 },
      },
    }) as Promise<Sprocket>;
  const read = (name: string) => custom.getNamespacedCustomObject({ ...at, name }) as Promise<Sprocket>;

  beforeAll(async () => {
    if (!binary) return;
    cp = await startTestControlPlane();
    kubectl = await Kubectl.create(binary, cp.kubeconfigPath);
    custom = kubeConfigFor(cp).makeApiClient(CustomObjectsApi);
    await kubectl.ok(['apply', '-f', SPROCKETS_CRD_PATH]);
    await kubectl.ok(['wait', '--for=condition=Established', 'crd/sprockets.e2e.vmsnap.io', '--timeout=20s']);
  });
  afterAll(async () => {
    await kubectl?.dispose();
    await cp?.stop();
  });

  it.skipIf(!binary)('get -w prints a row for a change made while it watches', async () => {
    await create('watched');
    const watch = kubectl.start(['get', 'sprockets', '-w', '--request-timeout=20s']);
    try {
      await watch.waitForOutput(/^watched\s+1\s/m);
      await custom.patchNamespacedCustomObject(
        { ...at, name: 'watched', body: { spec: { size: 7 } } },
        mergePatch(),
      );
      await watch.waitForOutput(/^watched\s+7\s/m);
    } finally {
      await watch.stop();
    }
  });

  it.skipIf(!binary)(
    'wait --for=condition=Ready returns once status reports Ready for the current generation',
    async () => {
      const sprocket = await create('waited');
      const wait = kubectl.start(['wait', '--for=condition=Ready', 'sprocket/waited', '--timeout=30s']);
      // A Ready condition for an older generation must not satisfy the wait.
      await custom.patchNamespacedCustomObjectStatus(
        {
          ...at,
          name: 'waited',
          body: {
            status: {
              observedGeneration: 0,
              conditions: [
                {
                  type: 'Ready',
                  status: 'True',
                  reason: 'Stale',
                  message: '',
                  observedGeneration: 0,
                  lastTransitionTime: new Date().toISOString(),
                },
              ],
            },
          },
        },
        mergePatch(),
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(wait.output()).toBe('');
      await custom.patchNamespacedCustomObjectStatus(
        {
          ...at,
          name: 'waited',
          body: {
            status: {
              observedGeneration: sprocket.metadata.generation,
              conditions: [
                {
                  type: 'Ready',
                  status: 'True',
                  reason: 'Done',
                  message: 'ready',
                  observedGeneration: sprocket.metadata.generation,
                  lastTransitionTime: new Date().toISOString(),
                },
              ],
            },
          },
        },
        mergePatch(),
      );
      const result = await wait.exited;
      expect(result.stdout).toContain('sprocket.e2e.vmsnap.io/waited condition met');
      expect(result.code).toBe(0);
      expect(await kubectl.ok(['get', 'sprocket', 'waited'])).toMatch(/^waited\s+1\s+True\s/m);
    },
  );

  it.skipIf(!binary)('describe shows Events created through core/v1 and events.k8s.io/v1', async () => {
    const sprocket = await create('described');
    const kc = kubeConfigFor(cp);
    const ref = {
      apiVersion: `${SPROCKET_GROUP}/${SPROCKET_VERSION}`,
      kind: 'Sprocket',
      name: 'described',
      namespace: NS,
      uid: sprocket.metadata.uid,
    };
    const now = new Date();
    await kc.makeApiClient(CoreV1Api).createNamespacedEvent({
      namespace: NS,
      body: {
        metadata: { name: 'described.core' },
        involvedObject: ref,
        reason: 'CoreReason',
        message: 'made through core/v1',
        type: 'Normal',
        source: { component: 'e2e-test' },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
    await kc.makeApiClient(EventsV1Api).createNamespacedEvent({
      namespace: NS,
      body: {
        metadata: { name: 'described.events' },
        regarding: ref,
        reason: 'EventsReason',
        note: 'made through events.k8s.io/v1',
        type: 'Warning',
        action: 'Testing',
        reportingController: 'e2e-test',
        reportingInstance: 'e2e-test-1',
        // MicroTime: kube parses exactly six fractional digits; a plain Date would serialize three.
        eventTime: new V1MicroTime(now.getTime()),
      },
    });
    const out = await kubectl.ok(['describe', 'sprocket', 'described']);
    expect(out).toMatch(/^Events:/m);
    expect(out).toMatch(/Normal\s+CoreReason\s+.*made through core\/v1/);
    expect(out).toMatch(/Warning\s+EventsReason\s+.*made through events\.k8s\.io\/v1/);
  });

  it.skipIf(!binary)('delete waits until a finalizer is removed', async () => {
    await create('finalized', { finalizers: ['e2e.vmsnap.io/hold'] });
    const deletion = kubectl.start(['delete', 'sprocket', 'finalized', '--timeout=30s']);
    const terminating = await eventually(
      async () => ((await read('finalized')).metadata.deletionTimestamp ? read('finalized') : undefined),
      'deletionTimestamp',
    );
    // kubectl prints "deleted" when the DELETE returns, then keeps waiting for the object to go.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(deletion.running()).toBe(true);
    await custom.patchNamespacedCustomObject(
      {
        ...at,
        name: 'finalized',
        body: [
          { op: 'test', path: '/metadata/resourceVersion', value: terminating.metadata.resourceVersion },
          { op: 'remove', path: '/metadata/finalizers' },
        ],
      },
      jsonPatch(),
    );
    const result = await deletion.exited;
    expect(result.stdout).toMatch(/sprocket\.e2e\.vmsnap\.io "finalized" deleted/);
    expect(result.code).toBe(0);
    await expect(read('finalized')).rejects.toMatchObject({ code: 404 });
  });
});
