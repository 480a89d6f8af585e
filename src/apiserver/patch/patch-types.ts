import type { JsonObject, KubeObject, ResourceType } from '../types.ts';

export type PatchContentType =
  | 'application/merge-patch+json'
  | 'application/json-patch+json'
  | 'application/strategic-merge-patch+json'
  | 'application/apply-patch+yaml';

export interface ApplyRequest {
  /** The live object, or undefined when the apply creates it. */
  live: KubeObject | undefined;
  /** The applied configuration (already decoded from JSON/YAML). */
  applied: KubeObject;
  manager: string;
  force: boolean;
  type: ResourceType;
  /** 'status' when applied to the status subresource. */
  subresource?: string;
  now: string;
}

export type { JsonObject };

/** What applyPatch() needs besides the live object and the request body. */
export interface PatchContext {
  type: ResourceType;
  /** The request's fieldManager (kube derives one from the user agent when the query has none). */
  manager: string;
  /** `force` query parameter: only allowed (and only meaningful) for apply patches. */
  force?: boolean;
  /** 'status' for PATCH on the status subresource. */
  subresource?: string;
  /** The object's name from the URL: used in the 404 for a non-apply patch of a missing object. */
  name?: string;
  /** Request time, RFC3339 with second precision (`2024-01-02T03:04:05Z`): stamped on managedFields entries. */
  now: string;
}
