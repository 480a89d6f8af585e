import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { readIfExists, writePrivateFile } from '../tls/private-file.ts';

/**
 * The bearer token clients present. Created once (32 random bytes, base64url) and reused on later starts so
 * kubeconfigs handed out stay valid; the file is mode 0600.
 */
export async function ensureToken(path: string): Promise<string> {
  const existing = (await readIfExists(path))?.trim();
  if (existing) return existing;
  const token = randomBytes(32).toString('base64url');
  await writePrivateFile(path, `${token}\n`);
  return token;
}

/** Paths a load balancer or `curl` may probe without credentials, as kube-apiserver allows by default. */
const ANONYMOUS_PATHS = new Set(['/healthz', '/readyz', '/livez']);

export function allowsAnonymous(pathname: string): boolean {
  return ANONYMOUS_PATHS.has(pathname);
}

/**
 * Returns a check for `Authorization: Bearer <token>`. Compares SHA-256 digests with timingSafeEqual so neither
 * the content nor the length of the expected token leaks through response timing.
 */
export function bearerTokenAuthenticator(expected: string): (req: IncomingMessage) => boolean {
  const expectedDigest = digest(expected);
  return (req) => {
    const header = req.headers.authorization;
    if (!header) return false;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) return false;
    return timingSafeEqual(digest(match[1]), expectedDigest);
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
