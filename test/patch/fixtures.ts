// Resource types and objects shared by the patch tests.
import { ApiError } from '../../src/apiserver/errors.ts';
import type { KubeObject, ResourceType } from '../../src/apiserver/types.ts';

export const NOW = '2026-01-02T03:04:05Z';
export const LATER = '2026-01-02T03:05:00Z';

function resourceType(overrides: Partial<ResourceType>): ResourceType {
  return {
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    listKind: 'ConfigMapList',
    plural: 'configmaps',
    singular: 'configmap',
    shortNames: [],
    categories: [],
    namespaced: true,
    hasStatus: false,
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
    printerColumns: [],
    selectableFields: [],
    custom: false,
    ...overrides,
  };
}

export const configMapType = resourceType({});

export const leaseType = resourceType({
  group: 'coordination.k8s.io',
  kind: 'Lease',
  listKind: 'LeaseList',
  plural: 'leases',
  singular: 'lease',
});

/** A custom kind with the list semantics server-side apply cares about. */
export const vmSnapshotType = resourceType({
  group: 'vmsnap.io',
  version: 'v1alpha1',
  kind: 'VMSnapshot',
  listKind: 'VMSnapshotList',
  plural: 'vmsnapshots',
  singular: 'vmsnapshot',
  hasStatus: true,
  custom: true,
  schema: {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        properties: {
          vmName: { type: 'string' },
          memory: { type: 'string' },
          cpus: { type: 'integer' },
          tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
          args: { type: 'array', items: { type: 'string' } },
          disks: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
            items: {
              type: 'object',
              required: ['name'],
              properties: { name: { type: 'string' }, size: { type: 'string' }, bus: { type: 'string' } },
            },
          },
          selector: {
            type: 'object',
            'x-kubernetes-map-type': 'atomic',
            additionalProperties: { type: 'string' },
          },
          params: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
      status: {
        type: 'object',
        properties: {
          phase: { type: 'string' },
          conditions: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['type'],
            items: {
              type: 'object',
              properties: {
                type: { type: 'string' },
                status: { type: 'string' },
                reason: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
});

export function snapshot(spec: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'VMSnapshot',
    metadata: { name: 'snap', namespace: 'default' },
    spec,
    ...extra,
  };
}

export function configMap(data: Record<string, string>, metadata: KubeObject['metadata'] = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cm', namespace: 'default', ...metadata },
    data,
  };
}

/** Runs `fn` expecting an ApiError and returns it. */
export function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError, none was thrown');
}
