import type { StatusCause } from '../errors.ts';
import { column, nameColumn } from '../http/table/columns.ts';
import type { KubeObject } from '../types.ts';
import { builtinType } from './builtin-type.ts';
import type { KindBehavior } from './kind-behavior.ts';

export const customResourceDefinitionType = builtinType({
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  namespaced: false,
  hasStatus: true,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
});

interface CrdSpecView {
  group?: unknown;
  scope?: unknown;
  names?: { plural?: unknown; kind?: unknown; singular?: unknown; listKind?: unknown };
  versions?: Array<{
    name?: unknown;
    served?: unknown;
    storage?: unknown;
    schema?: { openAPIV3Schema?: unknown };
  }>;
}

/**
 * The acceptance checks kube applies before a CRD is stored, with kube's field paths and wording. The schema
 * itself is checked by `checkSchema` (the schema module's structural-schema check), injected to keep this file
 * independent of it.
 */
export function crdCauses(
  object: KubeObject,
  checkSchema: (schema: unknown, path: string) => StatusCause[],
): StatusCause[] {
  const spec = (object.spec ?? {}) as CrdSpecView;
  const causes: StatusCause[] = [];
  const required = (field: string) =>
    causes.push({ reason: 'FieldValueRequired', field, message: 'Required value' });
  if (typeof spec.group !== 'string' || spec.group === '') required('spec.group');
  if (typeof spec.names?.plural !== 'string' || spec.names.plural === '') required('spec.names.plural');
  if (typeof spec.names?.kind !== 'string' || spec.names.kind === '') required('spec.names.kind');
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster')
    causes.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.scope',
      message: `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"`,
    });
  const expectedName = `${String(spec.names?.plural ?? '')}.${String(spec.group ?? '')}`;
  if (object.metadata.name !== expectedName)
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: "${object.metadata.name ?? ''}": must be spec.names.plural+"."+spec.group`,
    });
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.versions',
      message: 'Invalid value: []: must have exactly one version marked as storage version',
    });
  } else if (versions.filter((v) => v.storage === true).length !== 1) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.versions',
      message: `Invalid value: ${JSON.stringify(versions)}: must have exactly one version marked as storage version`,
    });
  }
  versions.forEach((version, i) => {
    if (typeof version.name !== 'string' || version.name === '') required(`spec.versions[${i}].name`);
    const schema = version.schema?.openAPIV3Schema;
    if (schema === undefined) required(`spec.versions[${i}].schema.openAPIV3Schema`);
    else causes.push(...checkSchema(schema, `spec.versions[${i}].schema.openAPIV3Schema`));
  });
  return causes;
}

export function customResourceDefinitionBehavior(
  checkSchema: (schema: unknown, path: string) => StatusCause[],
): KindBehavior {
  return {
    knownFields: ['spec', 'status'],
    validate: (object) => crdCauses(object, checkSchema),
    table: {
      columns: [
        nameColumn,
        column(
          'Created At',
          'date',
          'CreationTimestamp is a timestamp representing the server time when this object was created.',
        ),
      ],
      cells: (object) => [object.metadata.name, object.metadata.creationTimestamp ?? ''],
    },
  };
}
