import { ApiError } from '../errors.ts';
import { ageColumn, column, nameColumn } from '../http/table/columns.ts';
import { ageOf } from '../http/table/human-duration.ts';
import type { KubeObject } from '../types.ts';
import { builtinType } from './builtin-type.ts';
import type { KindBehavior } from './kind-behavior.ts';

/** The finalizer kube puts in spec.finalizers: the namespace stays until its content is deleted. */
export const NAMESPACE_CONTENT_FINALIZER = 'kubernetes';

export const namespaceType = builtinType({
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  namespaced: false,
  hasStatus: true,
  shortNames: ['ns'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  selectableFields: ['status.phase'],
});

function spec(object: KubeObject): { finalizers?: string[] } {
  if (!object.spec || typeof object.spec !== 'object') object.spec = {};
  return object.spec as { finalizers?: string[] };
}

function status(object: KubeObject): { phase?: string } {
  if (!object.status || typeof object.status !== 'object') object.status = {};
  return object.status as { phase?: string };
}

/** Namespaces kube-apiserver creates itself and refuses to delete. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public'];

/** kube (>= 1.21) labels every namespace with its own name so label selectors can pick namespaces by name. */
const NAME_LABEL = 'kubernetes.io/metadata.name';

function labelWithName(object: KubeObject): void {
  if (!object.metadata.name) return;
  object.metadata.labels = { ...object.metadata.labels, [NAME_LABEL]: object.metadata.name };
}

export const namespaceBehavior: KindBehavior = {
  knownFields: ['spec', 'status'],
  nameRule: 'dns1123-label',
  prepareForCreate(object) {
    labelWithName(object);
    const s = spec(object);
    if (!s.finalizers) s.finalizers = [NAMESPACE_CONTENT_FINALIZER];
    object.status = { phase: 'Active' };
  },
  prepareForUpdate(object, old) {
    labelWithName(object);
    // spec.finalizers only changes through the namespace controller (kube: the /finalize subresource).
    const oldFinalizers = (old.spec as { finalizers?: string[] } | undefined)?.finalizers;
    const s = spec(object);
    if (oldFinalizers) s.finalizers = [...oldFinalizers];
    else delete s.finalizers;
  },
  extraFinalizers(object) {
    return (object.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
  },
  beforeDelete(object) {
    const name = object.metadata.name ?? '';
    if (SYSTEM_NAMESPACES.includes(name))
      throw new ApiError(
        403,
        'Forbidden',
        `namespaces "${name}" is forbidden: this namespace may not be deleted`,
        {
          name,
          kind: 'namespaces',
        },
      );
  },
  markDeleting(object) {
    status(object).phase = 'Terminating';
  },
  table: {
    columns: [nameColumn, column('Status', 'string', 'The status of the namespace'), ageColumn],
    cells: (object, now) => [
      object.metadata.name,
      (object.status as { phase?: string } | undefined)?.phase ?? '',
      ageOf(object.metadata.creationTimestamp, now),
    ],
  },
};
