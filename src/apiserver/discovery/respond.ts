import type { ServerResponse } from 'node:http';
import type { ApiError } from '../errors.ts';

/** Writes a JSON response. `contentType` must be exact for aggregated discovery (clients compare it verbatim). */
export function sendJson(
  res: ServerResponse,
  statusCode: number,
  body: unknown,
  contentType = 'application/json',
  headers: Record<string, string> = {},
): void {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(statusCode, {
    ...headers,
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** Errors leave the server as metav1.Status, the shape kubectl and client-node parse. */
export function sendStatus(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.code, error.toStatus());
}
