// Which patch formats a resource type accepts, and kube's 415 answer for the others.
import { ApiError } from '../errors.ts';
import type { ResourceType } from '../types.ts';
import type { PatchContentType } from './patch-types.ts';

// In the order kube-apiserver lists them in its 415 message.
const BUILT_IN_PATCH_TYPES: readonly PatchContentType[] = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

// Strategic merge needs Go struct tags (patchStrategy/patchMergeKey) that custom resources do not have.
const CUSTOM_PATCH_TYPES: readonly PatchContentType[] = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/apply-patch+yaml',
];

/** The patch content types PATCH on this type accepts. Custom resources do not accept strategic merge. */
export function acceptedPatchTypes(type: Pick<ResourceType, 'custom'>): readonly PatchContentType[] {
  return type.custom ? CUSTOM_PATCH_TYPES : BUILT_IN_PATCH_TYPES;
}

/**
 * Reads a request's Content-Type as a patch type for `type`: parameters (`; charset=utf-8`) are ignored, as kube
 * does. Throws kube's 415 UnsupportedMediaType (listing the accepted types) for anything else.
 */
export function patchTypeOf(
  contentType: string | undefined,
  type: Pick<ResourceType, 'custom'>,
): PatchContentType {
  const accepted = acceptedPatchTypes(type);
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const match = accepted.find((candidate) => candidate === mediaType);
  if (!match) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    );
  }
  return match;
}
