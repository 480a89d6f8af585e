import type { StatusCause } from '../errors.ts';
import type { JsonObject, KubeObject } from '../types.ts';
import { compileRules } from './cel/compile-rules.ts';
import { evaluateRules } from './cel/evaluate-rules.ts';
import { checkDefaults } from './default-checks.ts';
import { applyDefaults, dropNonNullableNulls } from './defaults.ts';
import { validateEmbeddedResources } from './embedded-resources.ts';
import { fieldError } from './field-errors.ts';
import { validateListSetsAndMaps } from './list-types.ts';
import { compileOpenApiValidator, type OpenApiValidator } from './openapi-validator.ts';
import type { PreparedObject, SchemaPipeline } from './pipeline.ts';
import { pruneUnknownFields } from './prune.ts';
import { SchemaCompileError } from './schema-compile-error.ts';
import type { SchemaNode } from './schema-node.ts';

export interface SchemaPipelineOptions {
  /** Where the schema sits in its CRD, for compile-error causes. Default `openAPIV3Schema`. */
  schemaPath?: string;
}

/**
 * kube's CEL validator does not run when schema validation already found errors that make rule results
 * meaningless (hasBlockingErr in the custom resource strategy): wrong types, missing required fields, values
 * outside an enum, too long, too many.
 */
const BLOCKING_REASONS = new Set([
  'FieldValueNotSupported',
  'FieldValueRequired',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'FieldValueTypeInvalid',
]);

/**
 * Compiles one CRD version's openAPIV3Schema into the pipeline the HTTP layer runs on every write. Compile once
 * per CRD version and cache it. Throws SchemaCompileError (with kube-style causes) when a CEL rule does not
 * compile, a pattern is not a valid regular expression, or a `default` is invalid for its own schema, so CRD
 * creation can reject the schema.
 *
 * `prepare` mutates and returns a deep copy; `validate` never mutates its arguments.
 */
export function createSchemaPipeline(
  openAPIV3Schema: JsonObject,
  options: SchemaPipelineOptions = {},
): SchemaPipeline {
  const schemaPath = options.schemaPath ?? 'openAPIV3Schema';
  const schema = openAPIV3Schema as SchemaNode;
  const { rules, causes } = compileRules(schema, schemaPath);
  let validateSchema: OpenApiValidator;
  try {
    validateSchema = compileOpenApiValidator(openAPIV3Schema);
  } catch (error) {
    causes.push(fieldError.invalid(schemaPath, '', `error building validator: ${(error as Error).message}`));
  }
  // Defaults are only checked once rules and patterns compile: checking them needs both.
  if (causes.length === 0) causes.push(...checkDefaults(schema, schemaPath, rules));
  if (causes.length > 0) throw new SchemaCompileError(causes);

  return {
    prepare(object: KubeObject): PreparedObject {
      const copy = structuredClone(object);
      const unknownFields = pruneUnknownFields(copy, schema);
      dropNonNullableNulls(copy, schema);
      applyDefaults(copy, schema);
      return { object: copy, unknownFields };
    },

    validate(object: KubeObject, old?: KubeObject): StatusCause[] {
      const causes = validateSchema(object, old);
      causes.push(...validateEmbeddedResources(schema, object));
      // kube only enforces list uniqueness on an update when the old object satisfied it (ratcheting).
      if (old === undefined || validateListSetsAndMaps(schema, old).length === 0)
        causes.push(...validateListSetsAndMaps(schema, object));
      if (rules.size === 0) return causes;
      if (causes.some((c) => BLOCKING_REASONS.has(c.reason))) {
        causes.push(
          fieldError.invalid(
            '<nil>',
            null,
            'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
          ),
        );
        return causes;
      }
      causes.push(...evaluateRules(rules, schema, object, old));
      return causes;
    },
  };
}
