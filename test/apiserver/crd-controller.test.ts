import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerBuiltinTypes } from '../../src/apiserver/builtins/index.ts';
import { type CrdController, startCrdController } from '../../src/apiserver/crd/crd-controller.ts';
import { CRD_RESOURCE } from '../../src/apiserver/crd/crd-types.ts';
import { TypeRegistry } from '../../src/apiserver/registry.ts';
import type { SchemaPipeline } from '../../src/apiserver/schema/pipeline.ts';
import { openSqliteStore } from '../../src/apiserver/storage/sqlite-store.ts';
import type { Store } from '../../src/apiserver/storage/store.ts';
import type { KubeObject } from '../../src/apiserver/types.ts';
import { widgetsCrd } from './fixtures/widgets-crd.ts';

const CRD_KEY = { resource: CRD_RESOURCE, namespace: '', name: 'widgets.test.vmsnap.io' };

/** Polls (the controller writes status asynchronously) until `read` returns something truthy. */
async function eventually<T>(read: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = read();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('CRD controller', () => {
  let store: Store;
  let registry: TypeRegistry;
  let controller: CrdController | undefined;
  const compiled: unknown[] = [];

  const start = () => {
    controller = startCrdController({
      store,
      registry,
      createPipeline: (schema) => {
        compiled.push(schema);
        return {
          prepare: (object) => ({ object, unknownFields: [] }),
          validate: () => [],
        } satisfies SchemaPipeline;
      },
      // The real server writes through the handler's internal client; the store is enough to observe convergence.
      writeStatus: (crd) => {
        const key = { ...CRD_KEY, name: crd.metadata.name ?? '' };
        store.update(key, crd, { resourceVersion: crd.metadata.resourceVersion ?? '' });
      },
      clock: () => new Date('2026-01-02T03:04:05Z'),
      logger: pino({ level: 'silent' }),
    });
    return controller;
  };
  const established = () => {
    const crd = store.get(CRD_KEY);
    const conditions = (crd?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)
      ?.conditions;
    return conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? crd : undefined;
  };

  beforeEach(() => {
    store = openSqliteStore({ path: ':memory:' });
    registry = new TypeRegistry();
    registerBuiltinTypes(registry);
    compiled.length = 0;
  });
  afterEach(() => {
    controller?.stop();
    store.close();
  });

  it('registers stored CRDs before it returns and writes their status', async () => {
    store.create(CRD_KEY, widgetsCrd());
    start();
    const type = registry.lookup('test.vmsnap.io', 'v1', 'widgets');
    expect(type).toMatchObject({
      kind: 'Widget',
      listKind: 'WidgetList',
      singular: 'widget',
      namespaced: true,
      hasStatus: true,
      shortNames: ['wdg'],
      categories: ['vmsnap'],
      selectableFields: ['spec.color'],
      printerColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
      custom: true,
    });
    expect(controller?.pipelineFor(type!)).toBeDefined();
    expect(controller?.pipelineFor(registry.lookup('', 'v1', 'namespaces')!)).toBeUndefined();

    const crd = await eventually(established, 'Established');
    expect(crd.status).toEqual({
      conditions: [
        expect.objectContaining({ type: 'NamesAccepted', status: 'True', reason: 'NoConflicts' }),
        expect.objectContaining({
          type: 'Established',
          status: 'True',
          lastTransitionTime: '2026-01-02T03:04:05.000Z',
        }),
      ],
      acceptedNames: {
        plural: 'widgets',
        singular: 'widget',
        kind: 'Widget',
        listKind: 'WidgetList',
        shortNames: ['wdg'],
        categories: ['vmsnap'],
      },
      storedVersions: ['v1'],
    });
  });

  it('registers a new CRD synchronously with its creation, and writes status only once', async () => {
    start();
    store.create(CRD_KEY, widgetsCrd());
    expect(registry.lookup('test.vmsnap.io', 'v1', 'widgets')).toBeDefined();
    const crd = await eventually(established, 'Established');
    await new Promise((r) => setTimeout(r, 50));
    expect(store.get(CRD_KEY)?.metadata.resourceVersion).toBe(crd.metadata.resourceVersion);
    expect(compiled).toHaveLength(1);
  });

  it('follows version changes: unserved versions disappear, storedVersions accumulate', async () => {
    start();
    store.create(CRD_KEY, widgetsCrd());
    const first = await eventually(established, 'Established');
    const schema = { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };
    store.update(CRD_KEY, {
      ...widgetsCrd({
        versions: [
          { name: 'v1', served: false, storage: false, schema },
          { name: 'v2', served: true, storage: true, schema },
        ],
      }),
      status: first.status,
    });
    expect(registry.lookup('test.vmsnap.io', 'v1', 'widgets')).toBeUndefined();
    expect(registry.lookup('test.vmsnap.io', 'v2', 'widgets')).toMatchObject({ hasStatus: false });
    await eventually(() => {
      const status = store.get(CRD_KEY)?.status as { storedVersions?: string[] } | undefined;
      const stored = status?.storedVersions;
      return stored?.length === 2 ? stored : undefined;
    }, 'storedVersions v1,v2');
  });

  it('on CRD deletion stops serving the type and deletes its objects', async () => {
    start();
    store.create(CRD_KEY, widgetsCrd());
    await eventually(established, 'Established');
    const widget: KubeObject = {
      apiVersion: 'test.vmsnap.io/v1',
      kind: 'Widget',
      metadata: { name: 'w1', namespace: 'default' },
    };
    store.create({ resource: 'test.vmsnap.io/widgets', namespace: 'default', name: 'w1' }, widget);
    store.delete(CRD_KEY);
    expect(registry.lookup('test.vmsnap.io', 'v1', 'widgets')).toBeUndefined();
    await eventually(() => store.list('test.vmsnap.io/widgets').items.length === 0, 'objects deleted');
  });

  it('refuses names another CRD of the group holds, and accepts them once that CRD is gone', async () => {
    start();
    store.create(CRD_KEY, widgetsCrd());
    await eventually(established, 'first CRD Established');
    const rivalKey = { ...CRD_KEY, name: 'gizmos.test.vmsnap.io' };
    const rival = widgetsCrd();
    rival.metadata.name = 'gizmos.test.vmsnap.io';
    (rival.spec as { names: Record<string, unknown> }).names = {
      plural: 'gizmos',
      kind: 'Gizmo',
      shortNames: ['wdg'],
    };
    store.create(rivalKey, rival);
    expect(registry.lookup('test.vmsnap.io', 'v1', 'gizmos')).toBeUndefined();
    const conditionsOf = (key: typeof CRD_KEY) =>
      (store.get(key)?.status as { conditions?: Array<Record<string, string>> } | undefined)?.conditions;
    const refused = await eventually(() => conditionsOf(rivalKey), 'rival status');
    expect(refused).toEqual([
      expect.objectContaining({
        type: 'NamesAccepted',
        status: 'False',
        reason: 'NameConflict',
        message: '"wdg" is already in use',
      }),
      expect.objectContaining({ type: 'Established', status: 'False', reason: 'NotAccepted' }),
    ]);

    store.delete(CRD_KEY);
    expect(registry.lookup('test.vmsnap.io', 'v1', 'gizmos')).toBeDefined();
    await eventually(
      () => conditionsOf(rivalKey)?.find((c) => c.type === 'Established' && c.status === 'True'),
      'rival Established',
    );
  });
});
