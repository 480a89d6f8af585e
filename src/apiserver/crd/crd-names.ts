import type { CrdView } from './crd-types.ts';

/**
 * Why `candidate`'s names cannot be served next to the CRDs already accepted in its group, in kube-apiserver's
 * words, or undefined when they can. Resource names (plural, singular, short names) must not collide with any
 * resource name of another CRD of the group, kinds (kind, listKind) not with another kind or list kind.
 * The CRD that was accepted first keeps its names.
 */
export function findNameConflict(candidate: CrdView, accepted: Iterable<CrdView>): string | undefined {
  const resourceNames = new Set<string>();
  const kindNames = new Set<string>();
  for (const other of accepted) {
    if (other.group !== candidate.group || other.name === candidate.name) continue;
    for (const name of [other.names.plural, other.names.singular, ...other.names.shortNames])
      resourceNames.add(name);
    kindNames.add(other.names.kind);
    kindNames.add(other.names.listKind);
  }
  const { names } = candidate;
  if (resourceNames.has(names.plural)) return `"${names.plural}" is already in use`;
  if (resourceNames.has(names.singular)) return `"${names.singular}" is already in use`;
  const shortName = names.shortNames.find((n) => resourceNames.has(n));
  if (shortName) return `"${shortName}" is already in use`;
  if (kindNames.has(names.kind)) return `"${names.kind}" is already in use`;
  if (kindNames.has(names.listKind)) return `"${names.listKind}" is already in use`;
  return undefined;
}
