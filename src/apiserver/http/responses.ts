import type { ServerResponse } from 'node:http';
import { dump } from 'js-yaml';
import { ApiError, errors } from '../errors.ts';

/** `Warning: 299 - "text"` headers, kube's form for fieldValidation=Warn and other warnings. */
export function warningHeaders(warnings: string[]): string[] {
  return warnings.map((text) => `299 - ${JSON.stringify(text)}`);
}

export function writeObject(
  res: ServerResponse,
  code: number,
  body: unknown,
  format: 'json' | 'yaml' = 'json',
  warnings: string[] = [],
): void {
  const text = format === 'yaml' ? dump(body) : JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'Content-Type': format === 'yaml' ? 'application/yaml' : 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-cache, private',
  };
  if (warnings.length > 0) headers.Warning = warningHeaders(warnings);
  res.writeHead(code, headers);
  res.end(text);
}

/** Any failure as a metav1.Status: ApiErrors keep their code; anything else is a 500 that says what broke. */
export function writeError(res: ServerResponse, error: unknown): void {
  const apiError =
    error instanceof ApiError ? error : errors.internal((error as Error)?.message ?? String(error));
  if (!(error instanceof ApiError)) console.error('resource handler failed:', error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  writeObject(res, apiError.code, apiError.toStatus());
}
