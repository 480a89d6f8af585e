import { ApisApi, CoreApi, CoreV1Api, VersionApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFor } from '../support/client-node.ts';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { httpsRequest } from '../support/https.ts';
import { stubType } from '../support/stub-types.ts';

const V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

interface DiscoveryList {
  apiVersion: string;
  items: Array<{
    metadata: { name?: string };
    versions: Array<{ version: string; resources: Array<Record<string, unknown>> }>;
  }>;
}

describe('discovery', () => {
  let cp: TestControlPlane;
  const get = (path: string, accept?: string) =>
    httpsRequest(cp, path, { token: cp.token, ...(accept ? { headers: { Accept: accept } } : {}) });

  beforeAll(async () => {
    cp = await startTestControlPlane();
    cp.registry.add(stubType());
    cp.registry.add(stubType({ version: 'v1alpha1' }));
    cp.registry.add(stubType({ version: 'v2beta1', hasStatus: false }));
  });
  afterAll(() => cp?.stop());

  it('answers aggregated discovery with exactly the Content-Type each kubectl asks for', async () => {
    // What kubectl 1.33 and 1.29 send (measured).
    const cases = [
      [`${V2},${V2BETA1},application/json`, V2, 'apidiscovery.k8s.io/v2'],
      [`${V2BETA1},application/json`, V2BETA1, 'apidiscovery.k8s.io/v2beta1'],
    ] as const;
    for (const [accept, contentType, apiVersion] of cases) {
      for (const path of ['/api', '/apis']) {
        const res = await get(path, accept);
        expect(res.headers['content-type']).toBe(contentType);
        expect((JSON.parse(res.body) as DiscoveryList).apiVersion).toBe(apiVersion);
      }
    }
  });

  it('lists the core group under /api and every other group under /apis, preferred version first', async () => {
    const core = JSON.parse((await get('/api', V2)).body) as DiscoveryList;
    expect(core.items).toHaveLength(1);
    expect(core.items[0]?.metadata.name).toBeUndefined();
    expect(core.items[0]?.versions[0]?.resources.map((r) => r.resource)).toContain('namespaces');

    const apis = JSON.parse((await get('/apis', V2)).body) as DiscoveryList;
    const stub = apis.items.find((g) => g.metadata.name === 'stub.example.com');
    expect(stub?.versions.map((v) => v.version)).toEqual(['v1', 'v2beta1', 'v1alpha1']);
    expect(stub?.versions[0]?.resources[0]).toEqual({
      resource: 'widgets',
      responseKind: { group: 'stub.example.com', version: 'v1', kind: 'Widget' },
      scope: 'Namespaced',
      singularResource: 'widget',
      verbs: stubType().verbs,
      shortNames: ['wd'],
      categories: ['all'],
      subresources: [
        {
          subresource: 'status',
          responseKind: { group: 'stub.example.com', version: 'v1', kind: 'Widget' },
          verbs: ['get', 'patch', 'update'],
        },
      ],
    });
    expect(apis.items.some((g) => g.metadata.name === '')).toBe(false);
  });

  it('serves the legacy documents to plain JSON clients (client-node)', async () => {
    const kc = kubeConfigFor(cp);
    expect((await kc.makeApiClient(VersionApi).getCode()).minor).toBe('32');
    expect((await kc.makeApiClient(CoreApi).getAPIVersions()).versions).toEqual(['v1']);
    const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
    const stub = groups.groups.find((g) => g.name === 'stub.example.com');
    expect(stub?.preferredVersion?.groupVersion).toBe('stub.example.com/v1');
    expect(stub?.versions.map((v) => v.version)).toEqual(['v1', 'v2beta1', 'v1alpha1']);
    const core = await kc.makeApiClient(CoreV1Api).getAPIResources();
    expect(core.resources.find((r) => r.name === 'namespaces')).toMatchObject({
      namespaced: false,
      kind: 'Namespace',
      shortNames: ['ns'],
    });

    const list = JSON.parse((await get('/apis/stub.example.com/v1')).body);
    expect(list).toMatchObject({ kind: 'APIResourceList', groupVersion: 'stub.example.com/v1' });
    expect(list.resources).toEqual([
      expect.objectContaining({
        name: 'widgets',
        singularName: 'widget',
        kind: 'Widget',
        categories: ['all'],
      }),
      {
        name: 'widgets/status',
        singularName: '',
        namespaced: true,
        kind: 'Widget',
        verbs: ['get', 'patch', 'update'],
      },
    ]);
    expect(JSON.parse((await get('/apis/stub.example.com')).body)).toMatchObject({
      kind: 'APIGroup',
      preferredVersion: { version: 'v1' },
    });
  });

  it('reflects registry changes on the next request', async () => {
    cp.registry.add(
      stubType({ group: 'late.example.com', kind: 'Gadget', plural: 'gadgets', singular: 'gadget' }),
    );
    const names = () =>
      get('/apis', V2).then((res) =>
        (JSON.parse(res.body) as DiscoveryList).items.map((g) => g.metadata.name),
      );
    expect(await names()).toContain('late.example.com');
    expect((await get('/apis/late.example.com/v1')).status).toBe(200);
    cp.registry.remove('late.example.com', 'gadgets');
    expect(await names()).not.toContain('late.example.com');
    const gone = await get('/apis/late.example.com/v1');
    expect(gone.status).toBe(404);
    expect(JSON.parse(gone.body)).toMatchObject({ kind: 'Status', reason: 'NotFound' });
  });
});
