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
