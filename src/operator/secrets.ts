import type { SecretReader } from '../controllers/shared/driver-pool.ts';
import type { KubeClient } from '../runtime/kube-client.ts';
import { isNotFound } from '../runtime/kube-error.ts';

/** Reads a Secret's data (base64 on the wire) as text by key; undefined when the Secret does not exist. */
export function secretReader(client: KubeClient): SecretReader {
  return async (ref) => {
    try {
      const secret = await client.getSecret(ref);
      const data: Record<string, string> = {};
      for (const [key, value] of Object.entries(secret.data ?? {})) {
        data[key] = Buffer.from(value, 'base64').toString('utf8');
      }
      for (const [key, value] of Object.entries(secret.stringData ?? {})) data[key] = value;
      return data;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
}
