import { ApiException } from '@kubernetes/client-node';

/**
 * An error answer from the API server, reduced to what controllers decide on: the HTTP code and the Status reason
 * (`NotFound`, `Conflict`, `AlreadyExists`, `Invalid`, ...), with the server's message.
 */
export class KubeError extends Error {
  override name = 'KubeError';
  readonly code: number;
  readonly reason: string;
  /** `details.causes` of an Invalid answer: which field was wrong and why. */
  readonly causes: ReadonlyArray<{ field?: string; message?: string; reason?: string }>;

  constructor(
    code: number,
    reason: string,
    message: string,
    causes: ReadonlyArray<{ field?: string; message?: string; reason?: string }> = [],
  ) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.causes = causes;
  }
}

const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/**
 * Turns client-node's ApiException (whose body is the raw Status text for most codes) into a KubeError naming
 * `what` was being done; other errors (network, TLS) pass through unchanged.
 */
export function toKubeError(error: unknown, what: string): unknown {
  if (!(error instanceof ApiException)) return error;
  const status = parseStatus(error.body);
  const code = typeof status?.code === 'number' ? status.code : error.code;
  const reason =
    typeof status?.reason === 'string' && status.reason ? status.reason : (REASON_BY_CODE[code] ?? 'Unknown');
  const serverMessage = typeof status?.message === 'string' ? status.message : `HTTP ${code}`;
  const causes = Array.isArray(status?.details?.causes) ? status.details.causes : [];
  return new KubeError(code, reason, `${what}: ${serverMessage}`, causes);
}

interface StatusBody {
  code?: unknown;
  reason?: unknown;
  message?: unknown;
  details?: { causes?: Array<{ field?: string; message?: string; reason?: string }> };
}

function parseStatus(body: unknown): StatusBody | undefined {
  if (typeof body === 'string') {
    try {
      const parsed: unknown = JSON.parse(body);
      return typeof parsed === 'object' && parsed !== null ? (parsed as StatusBody) : undefined;
    } catch {
      return undefined;
    }
  }
  return typeof body === 'object' && body !== null ? (body as StatusBody) : undefined;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeError && error.code === 404;
}

/** 409: an update guarded by resourceVersion lost the race (Conflict), or a create found the name taken (AlreadyExists). */
export function isConflict(error: unknown): boolean {
  return error instanceof KubeError && error.code === 409 && error.reason !== 'AlreadyExists';
}

export function isAlreadyExists(error: unknown): boolean {
  return error instanceof KubeError && error.code === 409 && error.reason === 'AlreadyExists';
}

/** A JSON Patch `test` op failed: someone changed the field between our read and our write. */
export function isPatchTestFailed(error: unknown): boolean {
  // The API server answers a failed test op with 422 Invalid (kube-apiserver) or 409 Conflict (some servers).
  return error instanceof KubeError && (error.code === 422 || error.code === 409);
}
