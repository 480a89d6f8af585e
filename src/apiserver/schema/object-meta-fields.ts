/** The JSON fields of metav1.ObjectMeta: anything else under `metadata` is an unknown field to kube. */
export const OBJECT_META_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

/**
 * Drops unknown fields of an ObjectMeta in place (kube decodes metadata into the typed struct, which loses them)
 * and returns their paths, e.g. `metadata.foo` at the root or `spec.template.metadata.foo` in an embedded resource.
 * The HTTP layer calls this for the root metadata; pruning calls it for embedded resources.
 */
export function pruneUnknownMetadataFields(metadata: Record<string, unknown>, path = 'metadata'): string[] {
  const unknown: string[] = [];
  for (const key of Object.keys(metadata)) {
    if (OBJECT_META_FIELDS.has(key)) continue;
    unknown.push(`${path}.${key}`);
    delete metadata[key];
  }
  return unknown.sort();
}
