import type { JsonObject, ResourceType } from '../types.ts';

export const OBJECT_META_REF = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
export const LIST_META_REF = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';
export const STATUS_REF = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';

/**
 * The components.schemas name of a kind, as kube-apiserver names it: built-ins under `io.k8s.api.<group>.<v>`,
 * custom resources under the reversed group (`vmsnap.io` -> `io.vmsnap.v1alpha1.VMSnapshot`).
 */
export function schemaName(
  type: Pick<ResourceType, 'group' | 'version' | 'kind' | 'custom'>,
  kind = type.kind,
): string {
  if (!type.custom) {
    const shortGroup =
      type.group === '' ? 'core' : (type.group.replace(/\.k8s\.io$/, '').split('.')[0] ?? type.group);
    return `io.k8s.api.${shortGroup}.${type.version}.${kind}`;
  }
  return `${type.group.split('.').reverse().join('.')}.${type.version}.${kind}`;
}

export function ref(name: string): JsonObject {
  return { $ref: `#/components/schemas/${name}` };
}

function gvk(type: ResourceType, kind = type.kind): JsonObject[] {
  return [{ group: type.group, version: type.version, kind }];
}

const API_VERSION_PROPERTY = {
  description:
    'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.',
  type: 'string',
};
const KIND_PROPERTY = {
  description: 'Kind is a string value representing the REST resource this object represents. In CamelCase.',
  type: 'string',
};

/**
 * The kind's schema: a CRD's openAPIV3Schema with apiVersion/kind/metadata filled in the way kube publishes it
 * (so `kubectl explain` walks it), or an open object for built-ins, which the server validates in code.
 */
export function kindSchema(type: ResourceType): JsonObject {
  const base: JsonObject = type.schema
    ? structuredClone(type.schema)
    : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const properties = { ...((base.properties as JsonObject | undefined) ?? {}) };
  properties.apiVersion = API_VERSION_PROPERTY;
  properties.kind = KIND_PROPERTY;
  properties.metadata = {
    description: "Standard object's metadata.",
    allOf: [ref(OBJECT_META_REF)],
    default: {},
  };
  return { ...base, type: 'object', properties, 'x-kubernetes-group-version-kind': gvk(type) };
}

export function listSchema(type: ResourceType): JsonObject {
  return {
    description: `${type.listKind} is a list of ${type.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: API_VERSION_PROPERTY,
      kind: KIND_PROPERTY,
      items: { type: 'array', items: { allOf: [ref(schemaName(type))], default: {} } },
      metadata: { allOf: [ref(LIST_META_REF)], default: {} },
    },
    'x-kubernetes-group-version-kind': gvk(type, type.listKind),
  };
}

/** The meta/v1 shapes every document references. Kept short: enough for explain and for $ref resolution. */
export function metaSchemas(): Record<string, JsonObject> {
  const stringMap = { type: 'object', additionalProperties: { type: 'string', default: '' } };
  return {
    [OBJECT_META_REF]: {
      description: 'ObjectMeta is metadata that all persisted resources must have.',
      type: 'object',
      properties: {
        name: { type: 'string' },
        generateName: { type: 'string' },
        namespace: { type: 'string' },
        uid: { type: 'string' },
        resourceVersion: { type: 'string' },
        generation: { type: 'integer', format: 'int64' },
        creationTimestamp: { type: 'string', format: 'date-time' },
        deletionTimestamp: { type: 'string', format: 'date-time' },
        deletionGracePeriodSeconds: { type: 'integer', format: 'int64' },
        labels: stringMap,
        annotations: stringMap,
        finalizers: {
          type: 'array',
          items: { type: 'string', default: '' },
          'x-kubernetes-list-type': 'set',
        },
        ownerReferences: {
          type: 'array',
          items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          'x-kubernetes-patch-merge-key': 'uid',
          'x-kubernetes-patch-strategy': 'merge',
        },
        managedFields: {
          type: 'array',
          items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    },
    [LIST_META_REF]: {
      description: 'ListMeta describes metadata that synthetic resources must have.',
      type: 'object',
      properties: {
        resourceVersion: { type: 'string' },
        continue: { type: 'string' },
        remainingItemCount: { type: 'integer', format: 'int64' },
      },
    },
    [STATUS_REF]: {
      description: 'Status is a return value for calls that do not return other objects.',
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Status' }],
    },
  };
}
