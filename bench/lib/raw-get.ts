import { Agent, request } from 'node:https';

export interface RawGetResult {
  status: number;
  contentType: string;
  bytes: number;
  /** From sending the request to the last byte of the body (no decoding). */
  ms: number;
  body: Buffer;
}

/**
 * A GET over HTTPS trusting only the server's CA, returning the raw body: for response sizes and transfer times
 * that client libraries hide behind their decoding.
 */
export function rawGet(
  server: { url: string; caCertPem: string; token: string },
  agent: Agent,
  path: string,
  accept = 'application/json',
): Promise<RawGetResult> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, server.url),
      { agent, ca: server.caCertPem, headers: { Authorization: `Bearer ${server.token}`, Accept: accept } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            bytes: body.length,
            ms: performance.now() - start,
            body,
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A keep-alive agent trusting the given CA, so repeated measurements do not pay a TLS handshake each. */
export function keepAliveAgent(caCertPem: string): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1, ca: caCertPem });
}
