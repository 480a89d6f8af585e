import { namespaceType, SYSTEM_NAMESPACES } from '../builtins/index.ts';
import type { TypeRegistry } from '../registry.ts';
import type { InternalClient, InternalWriteOptions } from './internal-client.ts';
import type { ResourceService, WriteRequest } from './resource-service.ts';

const DEFAULT_MANAGER = 'vmsnap-apiserver';

function writeRequest(options: InternalWriteOptions | undefined, subresource?: string): WriteRequest {
  return {
    dryRun: options?.dryRun ?? false,
    // The server's own writes are trusted to be well-formed: unknown fields are dropped silently.
    fieldValidation: 'Ignore',
    fieldManager: options?.fieldManager ?? DEFAULT_MANAGER,
    ...(subresource ? { subresource } : {}),
  };
}

export function createInternalClient(service: ResourceService): InternalClient {
  return {
    get: (type, namespace, name) => service.find(type, namespace, name),
    list(type, namespace) {
      const result = service.list(type, namespace);
      return { items: result.items, resourceVersion: String(result.revision) };
    },
    create: (type, object, options) =>
      service.create(type, object.metadata.namespace, object, writeRequest(options)).object,
    update: (type, object, options) =>
      service.update(
        type,
        object.metadata.namespace,
        object.metadata.name ?? '',
        object,
        writeRequest(options),
      ).object,
    updateStatus: (type, object, options) =>
      service.update(
        type,
        object.metadata.namespace,
        object.metadata.name ?? '',
        object,
        writeRequest(options, 'status'),
      ).object,
    delete: (type, namespace, name, options) =>
      service.delete(
        type,
        namespace,
        name,
        { propagationPolicy: options?.propagationPolicy, preconditions: options?.preconditions ?? {} },
        options?.dryRun ?? false,
      ).object,
  };
}

/** kube-apiserver keeps `default`, `kube-system` and `kube-public` present; kubectl's default namespace must exist. */
export function ensureSystemNamespaces(internal: InternalClient, registry: TypeRegistry): void {
  const type = registry.lookup('', 'v1', 'namespaces') ?? namespaceType;
  for (const name of SYSTEM_NAMESPACES) {
    if (!internal.get(type, '', name))
      internal.create(type, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
}
