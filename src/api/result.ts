/** One thing wrong with an input object, named by its field path as Kubernetes prints it (`spec.steps[0]`). */
export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * A wire object that could not be turned into a domain value. The message lists every problem with its field
 * path, so it can go into a condition message or a log line as is.
 */
export class InvalidObjectError extends Error {
  readonly issues: readonly FieldIssue[];

  constructor(subject: string, issues: readonly FieldIssue[]) {
    super(`${subject} is invalid: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidObjectError';
    this.issues = issues;
  }
}

/** Parsing never throws for bad input: callers branch on `ok` and keep the error for status and logs. */
export type Result<T, E = InvalidObjectError> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}
