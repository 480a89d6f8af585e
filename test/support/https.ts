import { request } from 'node:https';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawRequest {
  method?: string;
  /** Bearer token; omit to send no Authorization header. */
  token?: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * One HTTPS request against a control plane, trusting only its CA (no insecure flag): for asserting on raw
 * status codes, headers and bodies that client libraries would hide.
 */
export function httpsRequest(
  controlPlane: { url: string; caCertPem: string },
  path: string,
  options: RawRequest = {},
): Promise<RawResponse> {
  const url = new URL(path, controlPlane.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        ca: controlPlane.caCertPem,
        headers: {
          ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
