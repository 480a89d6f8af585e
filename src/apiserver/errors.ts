// Errors in the exact shape kube-apiserver answers with (metav1.Status), so kubectl and client-node print and
// branch on them as they do against a real cluster.

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'InternalError'
  | 'Timeout';

/** One field-level problem, as in `details.causes` of a 422 Invalid. */
export interface StatusCause {
  /** FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, FieldValueTypeInvalid, FieldValueForbidden, FieldValueDuplicate, FieldValueTooLong, FieldManagerConflict, ... */
  reason: string;
  message: string;
  /** Dotted path with list indexes, as Kubernetes prints it: `spec.containers[0].name`. */
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: StatusDetails | undefined;

  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Status {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

/** Kubernetes' qualified kind in messages: `VMSnapshot.vmsnap.io`, or plain `configmaps` style for core. */
export interface Qualified {
  group: string;
  /** For NotFound/AlreadyExists/Conflict Kubernetes names the plural resource; for Invalid the Kind. */
  resourceOrKind: string;
}

function qualified(q: Qualified): string {
  return q.group ? `${q.resourceOrKind}.${q.group}` : q.resourceOrKind;
}

export const errors = {
  badRequest: (message: string, details?: StatusDetails) => new ApiError(400, 'BadRequest', message, details),
  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  notFound: (q: Qualified, name: string) =>
    new ApiError(404, 'NotFound', `${qualified(q)} "${name}" not found`, {
      name,
      group: q.group,
      kind: q.resourceOrKind,
    }),
  pathNotFound: (path: string) =>
    new ApiError(404, 'NotFound', `the server could not find the requested resource (${path})`),
  methodNotAllowed: (method: string) =>
    new ApiError(
      405,
      'MethodNotAllowed',
      `the server does not allow this method on the requested resource (${method})`,
    ),
  notAcceptable: (message: string) => new ApiError(406, 'NotAcceptable', message),
  alreadyExists: (q: Qualified, name: string) =>
    new ApiError(409, 'AlreadyExists', `${qualified(q)} "${name}" already exists`, {
      name,
      group: q.group,
      kind: q.resourceOrKind,
    }),
  conflict: (q: Qualified, name: string, why: string) =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(q)} "${name}": ${why}`, {
      name,
      group: q.group,
      kind: q.resourceOrKind,
    }),
  /** 410 for a watch or list from a resourceVersion older than the retained history. */
  expired: (message: string) => new ApiError(410, 'Expired', message),
  /** 422: `Kind.group "name" is invalid: <cause messages joined by ", ">`. */
  invalid: (q: Qualified, name: string, causes: StatusCause[]) =>
    new ApiError(
      422,
      'Invalid',
      `${qualified(q)} "${name}" is invalid: ${causes
        .map((c) => (c.field ? `${c.field}: ${c.message}` : c.message))
        .join(', ')}`,
      { name, group: q.group, kind: q.resourceOrKind, causes },
    ),
  tooLarge: (limitBytes: number) =>
    new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limitBytes}`),
  unsupportedMediaType: (contentType: string) =>
    new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${contentType})`,
    ),
  internal: (message: string) => new ApiError(500, 'InternalError', `Internal error occurred: ${message}`),
};
