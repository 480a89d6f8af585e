import type { KindBehavior } from '../builtins/kind-behavior.ts';
import { errors } from '../errors.ts';
import { pruneUnknownMetadataFields, validateObjectMeta } from '../schema/index.ts';
import { validateObjectMetaUpdate } from '../schema/metadata.ts';
import type { SchemaPipeline } from '../schema/pipeline.ts';
import type { FieldValidation, KubeObject, ResourceType } from '../types.ts';

const ALWAYS_KNOWN = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Drops fields the type does not know (schema pruning for custom resources, the kind's field list for
 * built-ins) and applies schema defaults. Returns the unknown fields' dotted paths for fieldValidation.
 */
export function pruneAndDefault(
  object: KubeObject,
  behavior: KindBehavior,
  pipeline: SchemaPipeline | undefined,
): { object: KubeObject; unknownFields: string[] } {
  const unknownFields: string[] = [];
  let result = object;
  if (pipeline) {
    const prepared = pipeline.prepare(object);
    result = prepared.object;
    unknownFields.push(...prepared.unknownFields);
  } else if (behavior.knownFields) {
    const known = new Set(behavior.knownFields);
    for (const key of Object.keys(result)) {
      if (ALWAYS_KNOWN.has(key) || known.has(key)) continue;
      unknownFields.push(key);
      delete result[key];
    }
  }
  if (!result.metadata || typeof result.metadata !== 'object') result.metadata = {};
  unknownFields.push(...pruneUnknownMetadataFields(result.metadata as Record<string, unknown>));
  return { object: result, unknownFields };
}

/**
 * fieldValidation: Strict -> 400 naming every duplicate and unknown field; Warn -> one warning each; Ignore ->
 * nothing.
 */
export function reportUnknownFields(
  unknownFields: string[],
  mode: FieldValidation,
  warnings: string[],
  duplicateFields: string[] = [],
): void {
  if ((unknownFields.length === 0 && duplicateFields.length === 0) || mode === 'Ignore') return;
  const messages = [
    ...duplicateFields.map((field) => `json: duplicate field "${field}"`),
    ...unknownFields.map((field) => `unknown field "${field}"`),
  ];
  if (mode === 'Strict') throw errors.badRequest(`strict decoding error: ${messages.join(', ')}`);
  warnings.push(...messages);
}

/** Metadata, schema and kind validation together; any cause is a 422 Invalid naming the Kind. */
export function validateObject(
  object: KubeObject,
  old: KubeObject | undefined,
  type: ResourceType,
  behavior: KindBehavior,
  pipeline: SchemaPipeline | undefined,
): void {
  const metadataCauses = old
    ? validateObjectMetaUpdate(object.metadata, old.metadata)
    : validateObjectMeta(object.metadata, {
        namespaced: type.namespaced,
        nameRule: behavior.nameRule ?? 'dns1123-subdomain',
      });
  const causes = [
    ...metadataCauses,
    ...(pipeline?.validate(object, old) ?? []),
    ...(behavior.validate?.(object, old) ?? []),
  ];
  if (causes.length > 0)
    throw errors.invalid(
      { group: type.group, resourceOrKind: type.kind },
      object.metadata.name ?? '',
      causes,
    );
}
