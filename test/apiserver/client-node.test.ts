import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type KubernetesObject,
  makeInformer,
} from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, installCrd, kubeConfigFor, mergePatch } from '../support/client-node.ts';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { httpsRequest } from '../support/https.ts';
import { makeTempDir, removeTempDir } from '../support/temp-dir.ts';
import {
  SPROCKET_GROUP,
  SPROCKET_PLURAL,
  SPROCKET_VERSION,
  SPROCKETS_CRD_YAML,
} from './fixtures/sprockets.ts';

const NS = 'default';
const at = { group: SPROCKET_GROUP, version: SPROCKET_VERSION, plural: SPROCKET_PLURAL, namespace: NS };
const COLLECTION = `/apis/${SPROCKET_GROUP}/${SPROCKET_VERSION}/namespaces/${NS}/${SPROCKET_PLURAL}`;

interface Sprocket extends KubernetesObject {
  spec: { size: number };
}

function sprocket(name: string, size = 1): Sprocket {
  return {
    apiVersion: `${SPROCKET_GROUP}/${SPROCKET_VERSION}`,
    kind: 'Sprocket',
    metadata: { name },
    spec: { size },
  };
}

/** Records what an informer reports, and how often it listed. */
function recordingInformer(kc: KubeConfig, custom: CustomObjectsApi, path = COLLECTION) {
  let lists = 0;
  let connects = 0;
  const seen: string[] = [];
  const errors: unknown[] = [];
  const informer = makeInformer<Sprocket>(kc, path, async () => {
    lists++;
    return (await custom.listNamespacedCustomObject(at)) as {
      items: Sprocket[];
      metadata: { resourceVersion: string };
    };
  });
  informer.on('add', (o) => seen.push(`add ${o.metadata?.name} ${o.spec.size}`));
  informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.spec.size}`));
  informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
  informer.on('error', (e) => errors.push(e));
  informer.on('connect', () => connects++);
  return { informer, seen, errors, lists: () => lists, connects: () => connects };
}

describe('client-node against the control plane', () => {
  let cp: TestControlPlane;
  let kc: KubeConfig;
  let custom: CustomObjectsApi;
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    cp = await startTestControlPlane();
    kc = kubeConfigFor(cp);
    custom = kc.makeApiClient(CustomObjectsApi);
    await installCrd(kc, SPROCKETS_CRD_YAML);
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });
  afterAll(() => cp?.stop());

  it('informer lists, then watches adds, updates and deletes', async () => {
    await custom.createNamespacedCustomObject({ ...at, body: sprocket('inf-a', 1) });
    const rec = recordingInformer(kc, custom);
    stops.push(() => rec.informer.stop());
    await rec.informer.start();
    await eventually(() => rec.seen.includes('add inf-a 1'), 'initial add');

    await custom.createNamespacedCustomObject({ ...at, body: sprocket('inf-b', 2) });
    await custom.patchNamespacedCustomObject(
      { ...at, name: 'inf-a', body: { spec: { size: 3 } } },
      mergePatch(),
    );
    await custom.deleteNamespacedCustomObject({ ...at, name: 'inf-b' });
    await eventually(() => rec.seen.includes('delete inf-b'), 'delete event');
    expect(rec.seen).toEqual(['add inf-a 1', 'add inf-b 2', 'update inf-a 3', 'delete inf-b']);
    expect(rec.errors).toEqual([]);
    await custom.deleteNamespacedCustomObject({ ...at, name: 'inf-a' });
  });

  it('informer re-watches from its last resourceVersion when the server ends the watch', async () => {
    // The server ends each watch after 1 s (kube does so after its request timeout); nothing may be lost.
    const rec = recordingInformer(kc, custom, `${COLLECTION}?timeoutSeconds=1`);
    stops.push(() => rec.informer.stop());
    await rec.informer.start();
    for (let i = 0; i < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1300));
      await custom.createNamespacedCustomObject({ ...at, body: sprocket(`rw-${i}`, i + 1) });
      await eventually(() => rec.seen.includes(`add rw-${i} ${i + 1}`), `add rw-${i}`);
    }
    expect(rec.connects()).toBeGreaterThanOrEqual(3);
    expect(rec.lists()).toBe(1);
    expect(rec.errors).toEqual([]);
  });

  it('two writers with the same resourceVersion: the second gets 409 Conflict', async () => {
    await custom.createNamespacedCustomObject({ ...at, body: sprocket('contended', 1) });
    const first = (await custom.getNamespacedCustomObject({ ...at, name: 'contended' })) as Sprocket;
    const second = structuredClone(first);
    await custom.replaceNamespacedCustomObject({
      ...at,
      name: 'contended',
      body: { ...first, spec: { size: 2 } },
    });
    const conflict = await custom
      .replaceNamespacedCustomObject({ ...at, name: 'contended', body: { ...second, spec: { size: 3 } } })
      .catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(ApiException);
    expect((conflict as ApiException<string>).code).toBe(409);
    expect(JSON.parse((conflict as ApiException<string>).body)).toMatchObject({
      reason: 'Conflict',
      code: 409,
    });
    expect(
      ((await custom.getNamespacedCustomObject({ ...at, name: 'contended' })) as Sprocket).spec.size,
    ).toBe(2);
  });

  it('answers 401 to a client without the token', async () => {
    const anonymous = new KubeConfig();
    anonymous.loadFromOptions({
      clusters: [{ name: 'c', server: cp.url, caData: Buffer.from(cp.caCertPem).toString('base64') }],
      users: [{ name: 'nobody' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'nobody' }],
      currentContext: 'x',
    });
    const error = await anonymous
      .makeApiClient(CoreV1Api)
      .listNamespace()
      .catch((e: unknown) => e);
    expect((error as ApiException<string>).code).toBe(401);
  });
});

describe('client-node informer after history expired', () => {
  let cp: TestControlPlane;

  beforeAll(async () => {
    cp = await startTestControlPlane({ historyLimit: 5 });
    await installCrd(kubeConfigFor(cp), SPROCKETS_CRD_YAML);
  });
  afterAll(() => cp?.stop());

  it('relists on 410 Gone and catches up with what it missed', async () => {
    const kc = kubeConfigFor(cp);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    await custom.createNamespacedCustomObject({ ...at, body: sprocket('before', 1) });
    const rec = recordingInformer(kc, custom);
    await rec.informer.start();
    await eventually(() => rec.seen.includes('add before 1'), 'initial add');
    await rec.informer.stop();
    const staleVersion = (
      (await custom.listNamespacedCustomObject(at)) as { metadata: { resourceVersion: string } }
    ).metadata.resourceVersion;

    // While it is stopped: a change it must learn about, then enough other writes to push it out of history.
    await custom.createNamespacedCustomObject({ ...at, body: sprocket('missed', 2) });
    for (let i = 0; i < 10; i++) {
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: `filler-${i}` } } });
    }
    const expired = await fetchWatchStatus(cp, `${COLLECTION}?watch=true&resourceVersion=${staleVersion}`);
    expect(expired).toMatchObject({ type: 'ERROR', object: { code: 410 } });

    await rec.informer.start();
    try {
      await eventually(() => rec.seen.includes('add missed 2'), 'missed object after relist');
      expect(rec.lists()).toBe(2);
      // client-node reports the abort of its own watch on stop() as an error: not what this test is about.
      expect(rec.errors.filter((e) => (e as Error).name !== 'AbortError')).toEqual([]);
    } finally {
      await rec.informer.stop();
    }
  });
});

describe('restart on the same data dir', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await makeTempDir('restart');
  });
  afterAll(() => removeTempDir(dataDir));

  it('keeps CRDs and objects, and resourceVersions keep increasing', async () => {
    let cp = await startTestControlPlane({ dataDir });
    let custom = kubeConfigFor(cp).makeApiClient(CustomObjectsApi);
    await installCrd(kubeConfigFor(cp), SPROCKETS_CRD_YAML);
    const before = (await custom.createNamespacedCustomObject({
      ...at,
      body: sprocket('durable', 4),
    })) as Sprocket;
    await cp.stop();

    cp = await startTestControlPlane({ dataDir });
    try {
      custom = kubeConfigFor(cp).makeApiClient(CustomObjectsApi);
      const after = (await custom.getNamespacedCustomObject({ ...at, name: 'durable' })) as Sprocket;
      expect(after.spec.size).toBe(4);
      expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
      const next = (await custom.createNamespacedCustomObject({
        ...at,
        body: sprocket('later', 1),
      })) as Sprocket;
      expect(Number(next.metadata?.resourceVersion)).toBeGreaterThan(
        Number(before.metadata?.resourceVersion),
      );
    } finally {
      await cp.stop();
    }
  });
});

/** The first event of a watch, read raw (client-node hides ERROR events from its callers). */
async function fetchWatchStatus(cp: TestControlPlane, path: string): Promise<unknown> {
  const res = await httpsRequest(cp, path, { token: cp.token });
  return JSON.parse(res.body.split('\n')[0] ?? '');
}
