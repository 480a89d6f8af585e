import type { KubeObject } from '../types.ts';

/** An object reduced to its metadata, as kube answers `as=PartialObjectMetadata` (apiVersion meta.k8s.io/v1). */
export function partialObject(object: KubeObject, apiVersion: string): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion, metadata: object.metadata };
}

export function partialList(
  items: KubeObject[],
  resourceVersion: string,
  apiVersion: string,
): Record<string, unknown> {
  return {
    kind: 'PartialObjectMetadataList',
    apiVersion,
    metadata: { resourceVersion },
    items: items.map((item) => partialObject(item, apiVersion)),
  };
}
