import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { httpsRequest } from '../support/https.ts';
import { stubType } from '../support/stub-types.ts';

interface Operation {
  parameters?: Array<{ name: string; in: string }>;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string };
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
}

describe('OpenAPI v3', () => {
  let cp: TestControlPlane;
  const get = (path: string) => httpsRequest(cp, path, { token: cp.token });
  const root = async () =>
    JSON.parse((await get('/openapi/v3')).body) as { paths: Record<string, { serverRelativeURL: string }> };

  beforeAll(async () => {
    cp = await startTestControlPlane();
    cp.registry.add(stubType());
    cp.registry.add(
      stubType({
        kind: 'Sprocket',
        listKind: 'SprocketList',
        plural: 'sprockets',
        singular: 'sprocket',
        namespaced: false,
      }),
    );
  });
  afterAll(() => cp?.stop());

  it('lists one document per group-version with a content hash', async () => {
    const paths = (await root()).paths;
    expect(paths['api/v1']?.serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
    expect(paths['apis/stub.example.com/v1']?.serverRelativeURL).toMatch(
      /^\/openapi\/v3\/apis\/stub\.example\.com\/v1\?hash=/,
    );
  });

  it('has a PATCH operation with the kind and a fieldValidation parameter for every kind of a group-version', async () => {
    for (const [key, entry] of Object.entries((await root()).paths)) {
      const doc = JSON.parse((await get(entry.serverRelativeURL)).body) as Document;
      const kinds = cp.registry
        .all()
        .filter((t) => (t.group === '' ? `api/${t.version}` : `apis/${t.group}/${t.version}`) === key)
        .map((t) => t.kind);
      expect(kinds.length, key).toBeGreaterThan(0);
      for (const kind of kinds) {
        const patches = Object.values(doc.paths)
          .map((p) => p.patch)
          .filter((op) => op?.['x-kubernetes-group-version-kind']?.kind === kind);
        expect(patches.length, `${key} ${kind}`).toBeGreaterThan(0);
        for (const op of patches) {
          expect(op?.parameters).toContainEqual(
            expect.objectContaining({ name: 'fieldValidation', in: 'query' }),
          );
        }
      }
    }
  });

  it('publishes CRD schemas with their group-version-kind for kubectl explain', async () => {
    const doc = JSON.parse((await get('/openapi/v3/apis/stub.example.com/v1')).body) as Document;
    const widget = doc.components.schemas['com.example.stub.v1.Widget'];
    expect(widget?.['x-kubernetes-group-version-kind']).toEqual([
      { group: 'stub.example.com', version: 'v1', kind: 'Widget' },
    ]);
    expect(widget?.properties).toMatchObject({ spec: { properties: { size: { type: 'integer' } } } });
    expect(doc.paths['/apis/stub.example.com/v1/namespaces/{namespace}/widgets/{name}/status']).toBeDefined();
    expect(doc.paths['/apis/stub.example.com/v1/sprockets/{name}']).toBeDefined();
  });

  it('changes the hash when the documents change', async () => {
    const before = (await root()).paths['apis/stub.example.com/v1']?.serverRelativeURL;
    cp.registry.add(stubType({ kind: 'Gizmo', listKind: 'GizmoList', plural: 'gizmos', singular: 'gizmo' }));
    const after = (await root()).paths['apis/stub.example.com/v1']?.serverRelativeURL;
    expect(after).not.toBe(before);
    const doc = JSON.parse((await get(after ?? '')).body) as Document;
    expect(Object.keys(doc.paths)).toContain('/apis/stub.example.com/v1/namespaces/{namespace}/gizmos');
  });

  it('answers 404 Status for /openapi/v2 and unknown group-versions', async () => {
    for (const path of ['/openapi/v2', '/openapi/v3/apis/nope.example.com/v1']) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', code: 404 });
    }
  });
});
