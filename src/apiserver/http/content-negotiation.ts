import { errors } from '../errors.ts';

export type ResponseFormat =
  | { kind: 'json' }
  | { kind: 'yaml' }
  /** meta.k8s.io Table (`application/json;as=Table;v=v1;g=meta.k8s.io`), apiVersion as asked. */
  | { kind: 'table'; apiVersion: string }
  /** meta.k8s.io PartialObjectMetadata(List): metadata-only clients (client-go's metadata informers). */
  | { kind: 'metadata'; apiVersion: string };

interface MediaRange {
  type: string;
  params: Map<string, string>;
}

function parseAccept(header: string): MediaRange[] {
  return header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const [type, ...rest] = part.split(';');
      const params = new Map<string, string>();
      for (const p of rest) {
        const [k, v] = p.split('=');
        if (k && v !== undefined) params.set(k.trim(), v.trim());
      }
      return { type: type!.trim().toLowerCase(), params };
    });
}

const METADATA_FORMS = new Set(['PartialObjectMetadata', 'PartialObjectMetadataList']);

/**
 * Picks the first acceptable entry of the Accept header, as kube-apiserver does: Tables for kubectl get,
 * PartialObjectMetadata for metadata clients, JSON or YAML otherwise. Reads (`allowTransforms`) may be
 * transformed; writes answer with the object. Forms we cannot produce (protobuf) are skipped; none left -> 406.
 */
export function negotiate(accept: string | undefined, allowTransforms: boolean): ResponseFormat {
  if (!accept || accept.trim() === '') return { kind: 'json' };
  for (const range of parseAccept(accept)) {
    const as = range.params.get('as');
    const jsonLike =
      range.type === 'application/json' || range.type === '*/*' || range.type === 'application/*';
    if (as !== undefined) {
      const version = range.params.get('v');
      const metaGroup =
        range.params.get('g') === 'meta.k8s.io' && (version === 'v1' || version === 'v1beta1');
      if (METADATA_FORMS.has(as) && allowTransforms && jsonLike && metaGroup)
        return { kind: 'metadata', apiVersion: `meta.k8s.io/${version}` };
      if (as === 'Table' && allowTransforms && jsonLike && metaGroup)
        return { kind: 'table', apiVersion: `meta.k8s.io/${version}` };
      continue;
    }
    if (jsonLike) return { kind: 'json' };
    if (range.type === 'application/yaml') return { kind: 'yaml' };
  }
  throw errors.notAcceptable(
    'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
  );
}
