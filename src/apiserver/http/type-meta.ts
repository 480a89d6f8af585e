import { ApiError, errors } from '../errors.ts';
import { apiVersionOf, type KubeObject, type ResourceType } from '../types.ts';
import { checkCustomTypeMetaMatches } from '../unstructured-type-meta.ts';
import { checkDecodable } from './decode-checks.ts';

/**
 * Checks a request body against the URL it was sent to (apiVersion, kind, namespace, and for PUT the name) and
 * that kube could decode it (metadata field types, Event MicroTimes: 400 otherwise), and returns it as a
 * KubeObject with apiVersion/kind filled in when left out. (Over HTTP, custom resources without them were refused
 * before this: see unstructured-type-meta.ts; a custom resource claiming another kind is a 422 there.)
 */
export function objectForRequest(
  body: Record<string, unknown>,
  type: ResourceType,
  urlNamespace: string | undefined,
  urlName: string | undefined,
): KubeObject {
  const expectedVersion = apiVersionOf(type);
  if (body.apiVersion !== undefined && body.apiVersion !== '' && body.apiVersion !== expectedVersion)
    throw errors.badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${expectedVersion})`,
    );
  if (type.custom) checkCustomTypeMetaMatches(body, type);
  else if (body.kind !== undefined && body.kind !== '' && body.kind !== type.kind)
    throw errors.badRequest(
      `the kind in the data (${String(body.kind)}) does not match the expected kind (${type.kind})`,
    );
  const metadata = body.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    throw errors.badRequest('metadata: must be an object');
  checkDecodable(body, type);
  const object = {
    ...body,
    apiVersion: expectedVersion,
    kind: type.kind,
    metadata: { ...metadata },
  } as KubeObject;
  const meta = object.metadata;
  if (type.namespaced) {
    if (meta.namespace && urlNamespace !== undefined && meta.namespace !== urlNamespace)
      throw errors.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    if (urlNamespace !== undefined) meta.namespace = urlNamespace;
  } else {
    // kube clears the namespace of cluster-scoped objects instead of rejecting it.
    delete meta.namespace;
  }
  if (urlName !== undefined) {
    if (meta.name && meta.name !== urlName)
      throw errors.badRequest(
        `the name of the object (${meta.name}) does not match the name on the URL (${urlName})`,
      );
    meta.name = urlName;
  }
  return object;
}

export function namespaceForbidden(type: ResourceType, name: string, namespace: string): ApiError {
  const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
  return new ApiError(
    403,
    'Forbidden',
    `${resource} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
    {
      name,
      group: type.group,
      kind: type.plural,
      causes: [
        {
          reason: 'NamespaceTerminating',
          message: `namespace ${namespace} is being terminated`,
          field: 'metadata.namespace',
        },
      ],
    },
  );
}
