/**
 * CEL rule that makes a whole spec immutable after creation: the API server rejects any update that changes it
 * (VMSnapshot and VMRevert are requests; changing one after the fact would make its status lie).
 */
export const IMMUTABLE_SPEC = {
  'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'spec is immutable' }],
} as const;
