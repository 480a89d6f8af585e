// The schema module: what the API server does to custom resources between decoding and storage (prune, default,
// validate, CEL), metadata validation for every object, and the structural checks a CRD schema must pass.
export { createSchemaPipeline, type SchemaPipelineOptions } from './create-pipeline.ts';
export { fieldError, formatBadValue } from './field-errors.ts';
export {
  type NameRule,
  type ObjectMetaValidationOptions,
  TOTAL_ANNOTATION_SIZE_LIMIT_BYTES,
  validateAnnotations,
  validateFinalizers,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './metadata.ts';
export { isDns1123Label, isDns1123Subdomain, isQualifiedName, isValidLabelValue } from './name-validation.ts';
export { OBJECT_META_FIELDS, pruneUnknownMetadataFields } from './object-meta-fields.ts';
export type { PreparedObject, SchemaPipeline, SchemaPipelineFactory } from './pipeline.ts';
export { SchemaCompileError } from './schema-compile-error.ts';
export { checkStructuralSchema } from './structural.ts';
