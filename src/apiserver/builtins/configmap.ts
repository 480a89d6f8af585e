import type { StatusCause } from '../errors.ts';
import { ageColumn, column, nameColumn } from '../http/table/columns.ts';
import { ageOf } from '../http/table/human-duration.ts';
import type { KubeObject } from '../types.ts';
import { builtinType, countKeys } from './builtin-type.ts';
import type { KindBehavior } from './kind-behavior.ts';

export const configMapType = builtinType({
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
  shortNames: ['cm'],
});

/** kube's rule for ConfigMap and Secret: once `immutable: true`, data and immutable itself are frozen. */
export function immutableDataCauses(
  object: KubeObject,
  old: KubeObject | undefined,
  fields: string[],
): StatusCause[] {
  if (old?.immutable !== true) return [];
  const causes: StatusCause[] = [];
  if (object.immutable !== true)
    causes.push({
      reason: 'FieldValueForbidden',
      field: 'immutable',
      message: 'Forbidden: field is immutable when `immutable` is set',
    });
  for (const field of fields) {
    if (JSON.stringify(object[field] ?? {}) !== JSON.stringify(old[field] ?? {}))
      causes.push({
        reason: 'FieldValueForbidden',
        field,
        message: 'Forbidden: field is immutable when `immutable` is set',
      });
  }
  return causes;
}

export const configMapBehavior: KindBehavior = {
  knownFields: ['data', 'binaryData', 'immutable'],
  validate: (object, old) => immutableDataCauses(object, old, ['data', 'binaryData']),
  table: {
    columns: [nameColumn, column('Data', 'string', 'Number of data keys'), ageColumn],
    cells: (object, now) => [
      object.metadata.name,
      countKeys(object.data) + countKeys(object.binaryData),
      ageOf(object.metadata.creationTimestamp, now),
    ],
  },
};
