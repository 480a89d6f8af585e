import type { StatusCause } from '../errors.ts';
import type { FieldValidation, JsonObject, KubeObject } from '../types.ts';

/**
 * What the server does to a custom resource's body between decoding and storage, in kube-apiserver's order:
 * 1. prune fields the schema does not know (recording them as unknown fields),
 * 2. apply schema defaults,
 * 3. validate against the openAPIV3Schema and run x-kubernetes-validations (CEL; transition rules see oldSelf
 *    on updates).
 * metadata, apiVersion and kind are always kept and are not pruned (metadata is validated by the HTTP layer).
 */
export interface PreparedObject {
  object: KubeObject;
  /** Dotted paths of unknown fields that were pruned, e.g. `spec.bogus`, `spec.items[0].x`. */
  unknownFields: string[];
}

export interface SchemaPipeline {
  /** Prune unknown fields and apply defaults. Never throws for unknown fields: the caller decides via fieldValidation. */
  prepare(object: KubeObject): PreparedObject;
  /** Schema + CEL validation. Returns causes (empty = valid). `old` is set on updates for transition rules. */
  validate(object: KubeObject, old?: KubeObject): StatusCause[];
}

export type SchemaPipelineFactory = (openAPIV3Schema: JsonObject) => SchemaPipeline;

export type { FieldValidation };
