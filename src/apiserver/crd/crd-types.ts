import type { JsonObject, KubeObject, PrinterColumn, ResourceType } from '../types.ts';

export const CRD_RESOURCE = 'apiextensions.k8s.io/customresourcedefinitions';

/** Custom resources support every verb kube-apiserver offers for them. */
const CUSTOM_RESOURCE_VERBS = [
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'create',
  'update',
  'watch',
];

interface CrdNames {
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  shortNames: string[];
  categories: string[];
}

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: JsonObject };
  subresources?: { status?: JsonObject };
  additionalPrinterColumns?: PrinterColumn[];
  selectableFields?: Array<{ jsonPath: string }>;
}

/** The parts of a CRD the controller reads, with kube's defaults applied (singular, listKind). */
export interface CrdView {
  name: string;
  group: string;
  namespaced: boolean;
  names: CrdNames;
  versions: CrdVersion[];
}

/**
 * Reads a stored CustomResourceDefinition. The HTTP layer validated it on write, so this only defaults; it still
 * returns undefined rather than throwing on a malformed object, because one bad CRD must not stop the others.
 */
export function readCrd(crd: KubeObject): CrdView | undefined {
  const spec = crd.spec as
    | { group?: unknown; scope?: unknown; names?: Partial<CrdNames>; versions?: unknown }
    | undefined;
  const names = spec?.names;
  if (
    typeof spec?.group !== 'string' ||
    typeof names?.plural !== 'string' ||
    typeof names.kind !== 'string'
  ) {
    return undefined;
  }
  if (!Array.isArray(spec.versions)) return undefined;
  return {
    name: crd.metadata.name ?? `${names.plural}.${spec.group}`,
    group: spec.group,
    namespaced: spec.scope !== 'Cluster',
    names: {
      plural: names.plural,
      kind: names.kind,
      singular: names.singular || names.kind.toLowerCase(),
      listKind: names.listKind || `${names.kind}List`,
      shortNames: names.shortNames ?? [],
      categories: names.categories ?? [],
    },
    versions: (spec.versions as CrdVersion[]).filter((v) => typeof v?.name === 'string'),
  };
}

/** One ResourceType per served version, as the registry and the handler need them. */
export function servedTypes(crd: CrdView): ResourceType[] {
  return crd.versions
    .filter((v) => v.served)
    .map((v) => ({
      group: crd.group,
      version: v.name,
      kind: crd.names.kind,
      listKind: crd.names.listKind,
      plural: crd.names.plural,
      singular: crd.names.singular,
      shortNames: crd.names.shortNames,
      categories: crd.names.categories,
      namespaced: crd.namespaced,
      hasStatus: v.subresources?.status !== undefined,
      verbs: CUSTOM_RESOURCE_VERBS,
      printerColumns: v.additionalPrinterColumns ?? [],
      schema: v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      // kube writes selectable fields as JSONPath (`.spec.phase`); the registry wants dotted paths.
      selectableFields: (v.selectableFields ?? []).map((f) => f.jsonPath.replace(/^\./, '')),
      custom: true,
    }));
}

export function storageVersion(crd: CrdView): string | undefined {
  return crd.versions.find((v) => v.storage)?.name;
}
