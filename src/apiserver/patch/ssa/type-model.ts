// The structure server-side apply needs from a type: which maps merge key by key, which lists are sets or keyed
// maps, and what is atomic. Custom resources take it from their openAPIV3Schema's x-kubernetes-* extensions;
// built-ins (no schema) get object metadata's real structure and everything else "deduced", close to
// structured-merge-diff's untyped handling: maps merge, lists are atomic.
import type { JsonObject, ResourceType } from '../../types.ts';

export type TypeNode = ScalarNode | MapNode | ListNode | DeducedNode;

export interface ScalarNode {
  kind: 'scalar';
}
export interface MapNode {
  kind: 'map';
  /** Declared properties. */
  fields: ReadonlyMap<string, TypeNode>;
  /** Type of undeclared keys (additionalProperties / preserve-unknown-fields); absent: none expected. */
  elementType?: TypeNode;
  atomic: boolean;
}
export interface ListNode {
  kind: 'list';
  listType: 'atomic' | 'set' | 'map';
  /** x-kubernetes-list-map-keys for `map` lists. */
  keys: readonly string[];
  items: TypeNode;
}
/**
 * Untyped: objects merge key by key, arrays are atomic, scalars are leaves. `struct` marks the stand-in for a
 * built-in Go struct: its keys count as declared fields (owned through their children, as kube's typed
 * schemas do), where plain deduced keys are owned as members themselves (`.` in FieldsV1).
 */
export interface DeducedNode {
  kind: 'deduced';
  struct?: boolean;
}

const SCALAR: ScalarNode = { kind: 'scalar' };
export const DEDUCED: DeducedNode = { kind: 'deduced' };
const STRUCT: DeducedNode = { kind: 'deduced', struct: true };

const scalarMap = (): MapNode => ({ kind: 'map', fields: new Map(), elementType: SCALAR, atomic: false });

/** ObjectMeta as its Go struct tags declare it (listType/listMapKey). */
export const OBJECT_META: MapNode = {
  kind: 'map',
  atomic: false,
  fields: new Map<string, TypeNode>([
    ...[
      'name',
      'generateName',
      'namespace',
      'selfLink',
      'uid',
      'resourceVersion',
      'generation',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
    ].map((name): [string, TypeNode] => [name, SCALAR]),
    ['labels', scalarMap()],
    ['annotations', scalarMap()],
    ['finalizers', { kind: 'list', listType: 'set', keys: [], items: SCALAR }],
    [
      'ownerReferences',
      {
        kind: 'list',
        listType: 'map',
        keys: ['uid'],
        items: {
          kind: 'map',
          atomic: false,
          fields: new Map(
            ['apiVersion', 'kind', 'name', 'uid', 'controller', 'blockOwnerDeletion'].map((n) => [n, SCALAR]),
          ),
        },
      },
    ],
    ['managedFields', { kind: 'list', listType: 'atomic', keys: [], items: DEDUCED }],
  ]),
};

const models = new WeakMap<ResourceType, MapNode>();

/** The type model of a resource type's objects (cached per ResourceType). */
export function typeModelOf(type: ResourceType): MapNode {
  let model = models.get(type);
  if (!model) {
    model = buildRoot(type.schema);
    models.set(type, model);
  }
  return model;
}

/**
 * Built-in kinds (no schema) are Go structs whose only free-form maps at the top are ConfigMap's and Secret's
 * data; everything else is treated as nested structs with atomic lists.
 */
const BUILT_IN_ROOT: MapNode = {
  kind: 'map',
  atomic: false,
  elementType: STRUCT,
  fields: new Map(['data', 'binaryData', 'stringData'].map((name) => [name, scalarMap()])),
};

function buildRoot(schema: JsonObject | undefined): MapNode {
  const converted = schema ? fromSchema(schema) : undefined;
  const base: MapNode = converted?.kind === 'map' ? converted : BUILT_IN_ROOT;
  const fields = new Map(base.fields);
  fields.set('apiVersion', SCALAR);
  fields.set('kind', SCALAR);
  fields.set('metadata', OBJECT_META);
  return { ...base, fields, atomic: false };
}

/** Converts one structural-schema node; unknown shapes become deduced rather than failing the request. */
export function fromSchema(schema: JsonObject): TypeNode {
  if (schema['x-kubernetes-int-or-string'] === true) return SCALAR;
  const type = schema.type;
  const properties = schema.properties;
  const additional = schema.additionalProperties;
  const preserveUnknown = schema['x-kubernetes-preserve-unknown-fields'] === true;

  if (type === 'array') {
    const items = isObject(schema.items) ? fromSchema(schema.items) : DEDUCED;
    const listType = schema['x-kubernetes-list-type'];
    const keys = Array.isArray(schema['x-kubernetes-list-map-keys'])
      ? (schema['x-kubernetes-list-map-keys'] as unknown[]).filter((k): k is string => typeof k === 'string')
      : [];
    if (listType === 'set') return { kind: 'list', listType: 'set', keys: [], items };
    if (listType === 'map' && keys.length > 0) return { kind: 'list', listType: 'map', keys, items };
    return { kind: 'list', listType: 'atomic', keys: [], items };
  }
  if (type === 'object' || isObject(properties) || additional !== undefined) {
    const fields = new Map<string, TypeNode>();
    if (isObject(properties)) {
      for (const [name, child] of Object.entries(properties)) {
        if (isObject(child)) fields.set(name, fromSchema(child));
      }
    }
    if (schema['x-kubernetes-embedded-resource'] === true) {
      fields.set('apiVersion', SCALAR);
      fields.set('kind', SCALAR);
      fields.set('metadata', OBJECT_META);
    }
    let elementType: TypeNode | undefined;
    if (isObject(additional)) elementType = fromSchema(additional);
    else if (additional === true || preserveUnknown) elementType = DEDUCED;
    const node: MapNode = { kind: 'map', fields, atomic: schema['x-kubernetes-map-type'] === 'atomic' };
    if (elementType) node.elementType = elementType;
    return node;
  }
  if (typeof type === 'string') return SCALAR;
  return DEDUCED;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
