// The control plane's patch engines: everything the HTTP layer needs to serve PATCH and track field ownership.
export { acceptedPatchTypes, patchTypeOf } from './content-types.ts';
export { applyPatch } from './dispatch.ts';
export { isPlainObject, mergePatch } from './json-merge-patch.ts';
export { jsonPatch } from './json-patch.ts';
export type { ApplyRequest, JsonObject, PatchContentType, PatchContext } from './patch-types.ts';
export { serverSideApply } from './ssa/server-side-apply.ts';
export { trackUpdate } from './ssa/track-update.ts';
export {
  type ListStrategy,
  objectMetaListInfo,
  type SmpListInfo,
  strategicMergePatch,
} from './strategic-merge-patch.ts';
