// The embedded control plane's internal model. Every apiserver module (storage, schema, patch, http, crd) speaks
// these types; nothing here knows about vmsnap's own kinds: they arrive as CustomResourceDefinitions.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: unknown };

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: ManagedFieldsEntry[];
}

/** Any object the server stores: built-in or custom. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

/**
 * One served resource type (group/version/plural). Built-in kinds are registered at start; custom kinds are
 * registered when their CustomResourceDefinition becomes Established.
 */
export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  /** Has a /status subresource: writes to the main resource ignore status, writes to /status ignore the rest. */
  hasStatus: boolean;
  verbs: string[];
  printerColumns: PrinterColumn[];
  /** Structural openAPIV3Schema (CRDs). Absent for built-ins, which are validated by their own code. */
  schema?: JsonObject;
  /** Fields a fieldSelector may name besides metadata.name/metadata.namespace (JSONPath-free dotted paths). */
  selectableFields: string[];
  /** True for custom resources (served from a CRD); false for built-in kinds. */
  custom: boolean;
}

/** Storage key of a type: group and plural, independent of version (`vmsnap.io/vmsnapshots`, `/namespaces`). */
export function storageResource(type: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${type.group}/${type.plural}`;
}

export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

export interface ObjectKey {
  /** storageResource() of the object's type */
  resource: string;
  /** '' for cluster-scoped objects */
  namespace: string;
  name: string;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';
