import type { StatusCause } from '../errors.ts';
import { checkStructuralSchema, createSchemaPipeline, SchemaCompileError } from '../schema/index.ts';
import type { JsonObject } from '../types.ts';

/**
 * Checks one CRD version's openAPIV3Schema the way kube does before storing the CRD: structural rules first,
 * then compiling it (CEL rules, patterns) so a schema the server could not serve is rejected with a 422.
 */
export function checkCrdSchema(schema: unknown, path: string): StatusCause[] {
  const causes = checkStructuralSchema(schema, path);
  if (causes.length > 0) return causes;
  try {
    createSchemaPipeline(schema as JsonObject, { schemaPath: path });
    return [];
  } catch (error) {
    if (error instanceof SchemaCompileError) return error.causes;
    throw error;
  }
}
