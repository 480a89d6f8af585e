import type { StatusCause } from '../errors.ts';
import type { KubeObject } from '../types.ts';

/** One column of a meta.k8s.io/v1 Table, as kube-apiserver describes it. */
export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** How a built-in kind prints as a Table (kube's own default columns, cells already formatted). */
export interface KindTable {
  columns: TableColumnDefinition[];
  cells(object: KubeObject, now: Date): unknown[];
}

/** A second API for the same stored objects (events.k8s.io/v1 Event over core/v1 Event storage). */
export interface StorageMapping {
  /** storageResource() of the type whose storage this type shares. */
  resource: string;
  toStorage(object: KubeObject): KubeObject;
  fromStorage(object: KubeObject): KubeObject;
}

export type { NameRule } from '../schema/metadata.ts';

import type { NameRule } from '../schema/metadata.ts';

/**
 * What a kind adds to the generic object lifecycle in the HTTP layer. Every hook is optional; custom resources
 * use the defaults (their schema pipeline does the kind-specific work). Hooks that mutate get a private copy.
 */
export interface KindBehavior {
  /** Top-level fields besides apiVersion/kind/metadata. Set for built-ins (no schema): others are unknown fields. */
  knownFields?: readonly string[];
  /** Object name rule (default dns1123-subdomain, like most kube kinds). */
  nameRule?: NameRule;
  /** Defaults and normalisation on create (Secret: stringData -> data). */
  prepareForCreate?(object: KubeObject): void;
  /** Defaults and normalisation on update; `old` is the stored object. */
  prepareForUpdate?(object: KubeObject, old: KubeObject): void;
  /** Kind-specific validation after defaults; causes become a 422 Invalid. */
  validate?(object: KubeObject, old: KubeObject | undefined): StatusCause[];
  /** PUT to a missing object creates it (kube: Lease, Event). */
  allowCreateOnUpdate?: boolean;
  storage?: StorageMapping;
  table?: KindTable;
  /** Finalizers that hold deletion besides metadata.finalizers (Namespace: spec.finalizers). */
  extraFinalizers?(object: KubeObject): string[];
  /** Called once when deletion starts on an object that has to wait for finalizers (Namespace: Terminating). */
  markDeleting?(object: KubeObject): void;
  /** Refuses a DELETE by throwing an ApiError (kube: the system namespaces may not be deleted). */
  beforeDelete?(object: KubeObject): void;
  /** DELETE answers with the deleted object (custom resources) instead of a Success Status (most built-ins). */
  deleteReturnsObject?: boolean;
}
