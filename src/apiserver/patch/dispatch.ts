// PATCH request bodies to patched objects: picks the engine by content type and keeps managedFields current.
import { load as loadYaml } from 'js-yaml';
import { errors } from '../errors.ts';
import {
  exceededJsonLimit,
  MAX_EXPANDED_VALUES,
  MAX_NESTING_DEPTH,
  YAML_PARSER_MAX_DEPTH,
} from '../schema/json-limits.ts';
import { apiVersionOf, type KubeObject } from '../types.ts';
import { checkCustomTypeMetaMatches, checkPatchedTypeMeta } from '../unstructured-type-meta.ts';
import { patchTypeOf } from './content-types.ts';
import { isPlainObject, mergePatch } from './json-merge-patch.ts';
import { jsonPatch } from './json-patch.ts';
import type { PatchContext } from './patch-types.ts';
import { serverSideApply } from './ssa/server-side-apply.ts';
import { trackUpdate } from './ssa/track-update.ts';
import { objectMetaListInfo, strategicMergePatch } from './strategic-merge-patch.ts';

/**
 * Applies a PATCH body to `live` and returns the new object with `metadata.managedFields` updated (an Apply
 * entry for apply patches, an Update entry for the others). Pure: `live` is not mutated. The caller still runs
 * its schema pipeline, validation and storage on the result, and checks the name/namespace it carries.
 *
 * Errors: 415 for a content type the type does not accept (strategic merge on custom resources), 400 for an
 * undecodable body or one nested deeper than MAX_NESTING_DEPTH (or, for apply YAML, expanding its aliases past
 * MAX_EXPANDED_VALUES), 404 for a non-apply patch of a missing object, 422 for an unappliable JSON patch or bad
 * patch options, 409 for apply conflicts.
 */
export function applyPatch(
  contentType: string | undefined,
  live: KubeObject | undefined,
  body: string | Uint8Array,
  ctx: PatchContext,
): KubeObject {
  const patchType = patchTypeOf(contentType, ctx.type);
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);

  if (patchType === 'application/apply-patch+yaml') {
    if (!ctx.manager)
      throw invalidPatchOptions(
        'fieldManager',
        'FieldValueRequired',
        'Required value: is required for apply patch',
      );
    const applied = decodeApplyBody(text, apiVersionOf(ctx.type));
    const request = {
      live,
      applied,
      manager: ctx.manager,
      force: ctx.force === true,
      type: ctx.type,
      now: ctx.now,
    };
    return serverSideApply(ctx.subresource ? { ...request, subresource: ctx.subresource } : request);
  }

  if (ctx.force)
    throw invalidPatchOptions(
      'force',
      'FieldValueForbidden',
      'Forbidden: may not be specified for non-apply patch',
    );
  if (!live)
    throw errors.notFound({ group: ctx.type.group, resourceOrKind: ctx.type.plural }, ctx.name ?? '');
  const patch = decodeJson(text);
  let patched: unknown;
  switch (patchType) {
    case 'application/json-patch+json':
      patched = jsonPatch(live, patch);
      break;
    case 'application/merge-patch+json':
      if (!isPlainObject(patch)) throw errors.badRequest('Invalid JSON Patch');
      patched = mergePatch(live, patch);
      break;
    case 'application/strategic-merge-patch+json':
      patched = strategicMergePatch(live, patch, objectMetaListInfo);
      break;
  }
  if (!isPlainObject(patched)) throw errors.badRequest('the patched object is not a JSON object');
  // A JSON patch can nest a (depth-checked) value under a (depth-checked) path: check the sum before any
  // recursive walk (field tracking, pruning, validation) sees it. kube fails to decode such a patched object: 422.
  if (exceededJsonLimit(patched, { maxDepth: MAX_NESTING_DEPTH, maxValues: Number.POSITIVE_INFINITY }))
    throw errors.invalid({ group: ctx.type.group, resourceOrKind: ctx.type.kind }, ctx.name ?? '', [
      {
        reason: 'FieldValueInvalid',
        field: 'patch',
        message: `Invalid value: "the patched object": exceeded max depth of ${MAX_NESTING_DEPTH}`,
      },
    ]);
  // kube decodes the patched object as it decodes a body: a custom resource has to keep its kind and apiVersion.
  checkPatchedTypeMeta(patched, ctx.type);
  checkCustomTypeMetaMatches(patched, ctx.type);
  return trackUpdate(live, patched as KubeObject, ctx.manager, ctx.type, ctx.subresource, ctx.now);
}

function decodeJson(text: string): unknown {
  let decoded: unknown;
  try {
    decoded = JSON.parse(text);
  } catch (err) {
    throw errors.badRequest(`error decoding patch: ${(err as Error).message}`);
  }
  // Checked before any (recursive) patch engine sees the document.
  if (exceededJsonLimit(decoded, { maxDepth: MAX_NESTING_DEPTH, maxValues: Number.POSITIVE_INFINITY }))
    throw errors.badRequest(`error decoding patch: exceeded max depth of ${MAX_NESTING_DEPTH}`);
  return decoded;
}

function decodeApplyBody(text: string, expectedVersion: string): KubeObject {
  let decoded: unknown;
  try {
    decoded = loadYaml(text, { maxDepth: YAML_PARSER_MAX_DEPTH });
  } catch (err) {
    throw errors.badRequest(`error decoding YAML: ${(err as Error).message}`);
  }
  const exceeded = exceededJsonLimit(decoded, {
    maxDepth: MAX_NESTING_DEPTH,
    maxValues: MAX_EXPANDED_VALUES,
  });
  if (exceeded === 'values')
    throw errors.badRequest('error decoding YAML: document contains excessive aliasing');
  if (exceeded === 'depth')
    throw errors.badRequest(`error decoding YAML: exceeded max depth of ${MAX_NESTING_DEPTH}`);
  if (!isPlainObject(decoded)) {
    throw errors.badRequest(
      'error decoding YAML: the apply patch must be a single object (a YAML or JSON map)',
    );
  }
  if (decoded.apiVersion !== expectedVersion) {
    throw errors.badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${String(decoded.apiVersion ?? '')}, expected: ${expectedVersion}`,
    );
  }
  if (!isPlainObject(decoded.metadata)) decoded.metadata = {};
  return decoded as KubeObject;
}

function invalidPatchOptions(field: string, reason: string, message: string) {
  return errors.invalid({ group: 'meta.k8s.io', resourceOrKind: 'PatchOptions' }, '', [
    { reason, field, message },
  ]);
}
