// The edge where wire objects (whatever the API server or a file gave us) become checked values. Everything
// inward of here works on plain domain values and never sees a zod issue or an unchecked field.
import { z } from 'zod';
import { type ObjectMetaWire, objectMetaSchema } from './common.ts';
import { API_VERSION, type Kind } from './group.ts';
import { type FieldIssue, fail, InvalidObjectError, ok, type Result } from './result.ts';

/** Who an object is, as controllers need it: enough to address it, guard writes and see deletion. */
export interface ObjectIdentity {
  kind: Kind;
  name: string;
  /** '' for cluster-scoped kinds. */
  namespace: string;
  /** '' when the object was never stored (e.g. a manifest read from a file). */
  uid: string;
  generation: number;
  resourceVersion: string;
  labels: Readonly<Record<string, string>>;
  finalizers: readonly string[];
  /** deletionTimestamp is set: the object is being deleted and waits for its finalizers. */
  deleting: boolean;
}

export interface KindShape<Spec extends z.ZodType, Status extends z.ZodType> {
  kind: Kind;
  namespaced: boolean;
  spec: Spec;
  status: Status;
}

/** The whole wire object of a kind: apiVersion, kind, metadata, spec, status. */
export function objectSchema<Spec extends z.ZodType, Status extends z.ZodType>(
  shape: KindShape<Spec, Status>,
) {
  return z.object({
    apiVersion: z.literal(API_VERSION, { error: `must be ${API_VERSION}` }),
    kind: z.literal(shape.kind, { error: `must be ${shape.kind}` }),
    metadata: objectMetaSchema,
    spec: shape.spec,
    status: shape.status.optional(),
  });
}

interface Envelope<Spec, Status> {
  metadata: ObjectMetaWire;
  spec: Spec;
  status?: Status | undefined;
}

export interface CheckedObject<Spec, Status> {
  identity: ObjectIdentity;
  spec: Spec;
  status: Status | undefined;
}

/**
 * Checks a wire object against its kind's schema (defaults applied) and returns its identity with the parsed
 * spec and status. Every problem is reported with its field path, not just the first.
 */
export function checkObject<Spec extends z.ZodType, Status extends z.ZodType>(
  shape: KindShape<Spec, Status>,
  input: unknown,
): Result<CheckedObject<z.output<Spec>, z.output<Status>>> {
  // Generic zod object types do not narrow through safeParse; the schema guarantees this shape.
  const schema = objectSchema(shape) as unknown as z.ZodType<Envelope<z.output<Spec>, z.output<Status>>>;
  const parsed = schema.safeParse(input, { reportInput: true });
  const subject = describeSubject(shape.kind, input);
  if (!parsed.success) return fail(new InvalidObjectError(subject, parsed.error.issues.map(toFieldIssue)));
  const { metadata, spec, status } = parsed.data;
  const namespace = metadata.namespace ?? '';
  if (shape.namespaced && namespace === '') {
    return fail(
      new InvalidObjectError(subject, [{ field: 'metadata.namespace', message: 'Required value' }]),
    );
  }
  if (!shape.namespaced && namespace !== '') {
    const message = `${shape.kind} is cluster-scoped and takes no namespace`;
    return fail(new InvalidObjectError(subject, [{ field: 'metadata.namespace', message }]));
  }
  return ok({
    identity: {
      kind: shape.kind,
      name: metadata.name,
      namespace,
      uid: metadata.uid ?? '',
      generation: metadata.generation ?? 0,
      resourceVersion: metadata.resourceVersion ?? '',
      labels: metadata.labels ?? {},
      finalizers: metadata.finalizers ?? [],
      deleting: metadata.deletionTimestamp !== undefined,
    },
    spec,
    status,
  });
}

/** Field path the way Kubernetes prints it: `spec.steps[0]`, `status.conditions[1].reason`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text === '' ? '<root>' : text;
}

function toFieldIssue(issue: z.core.$ZodIssue): FieldIssue {
  const field = fieldPath(issue.path);
  if (issue.code === 'invalid_type' && issue.input === undefined) return { field, message: 'Required value' };
  const input = issue.input;
  const shown =
    input === undefined || typeof input === 'object' ? '' : `Invalid value: ${JSON.stringify(input)}: `;
  return { field, message: `${shown}${issue.message}` };
}

/** `VMSnapshot "prod/before-upgrade"` when the input says who it is, else just the kind. */
function describeSubject(kind: Kind, input: unknown): string {
  const metadata = isRecord(input) && isRecord(input.metadata) ? input.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  if (name === '') return kind;
  return `${kind} "${namespace === '' ? name : `${namespace}/${name}`}"`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
