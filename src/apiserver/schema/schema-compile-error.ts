import type { StatusCause } from '../errors.ts';

/**
 * Thrown by createSchemaPipeline when a CRD schema cannot be served (a CEL rule that does not compile, a rule
 * field that is malformed). `causes` carry kube's field paths relative to the schema root (`openAPIV3Schema...`),
 * so the CRD handler can prefix them with the version's path and reject the CRD with 422 Invalid.
 */
export class SchemaCompileError extends Error {
  readonly causes: StatusCause[];

  constructor(causes: StatusCause[]) {
    super(
      `invalid CRD schema: ${causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ')}`,
    );
    this.name = 'SchemaCompileError';
    this.causes = causes;
  }
}
