import type { KubeObject, ResourceType } from '../types.ts';

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface InternalWriteOptions {
  /** Recorded in managedFields (default `vmsnap-apiserver`). */
  fieldManager?: string;
  dryRun?: boolean;
}

export interface InternalDeleteOptions extends InternalWriteOptions {
  propagationPolicy?: PropagationPolicy;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/**
 * Writes the server makes itself (CRD status, garbage collection, namespace cleanup). They run the same
 * lifecycle as HTTP writes (defaults, validation, generation, finalizers, watch events), synchronously: every
 * call is one atomic read-modify-write against the store. Errors are ApiErrors (404, 409, 422...).
 */
export interface InternalClient {
  get(type: ResourceType, namespace: string, name: string): KubeObject | undefined;
  list(type: ResourceType, namespace?: string): { items: KubeObject[]; resourceVersion: string };
  create(type: ResourceType, object: KubeObject, options?: InternalWriteOptions): KubeObject;
  /** Replaces the object (status is kept when the type has a status subresource). Optimistic when metadata.resourceVersion is set. */
  update(type: ResourceType, object: KubeObject, options?: InternalWriteOptions): KubeObject;
  /** Replaces only the status. Optimistic when metadata.resourceVersion is set. */
  updateStatus(type: ResourceType, object: KubeObject, options?: InternalWriteOptions): KubeObject;
  /** Returns the object as it is after the call: still present (finalizers pending) or the deleted copy. */
  delete(type: ResourceType, namespace: string, name: string, options?: InternalDeleteOptions): KubeObject;
}
