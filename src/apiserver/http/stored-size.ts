import { ApiError } from '../errors.ts';
import type { KubeObject } from '../types.ts';

/**
 * The largest object the store accepts, as serialized JSON: etcd's default request limit (1.5 MiB), which is what
 * bounds objects on a real cluster. The request body limit (3 MiB) alone does not: YAML aliases, JSON patch
 * `copy` operations and repeated patches all grow an object past its body.
 */
export const MAX_STORED_OBJECT_BYTES = 1.5 * 1024 * 1024;

/**
 * Refuses a write whose stored form is larger than MAX_STORED_OBJECT_BYTES with 413 RequestEntityTooLarge, the
 * answer kube-apiserver gives when etcd rejects a request as too large. Call it before the store is touched.
 */
export function checkStoredSize(stored: KubeObject): void {
  const size = Buffer.byteLength(JSON.stringify(stored));
  if (size > MAX_STORED_OBJECT_BYTES)
    throw new ApiError(
      413,
      'RequestEntityTooLarge',
      `Request entity too large: etcdserver: request is too large (the object is ${size} bytes as JSON; the limit is ${MAX_STORED_OBJECT_BYTES})`,
    );
}
