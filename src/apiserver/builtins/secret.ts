import type { StatusCause } from '../errors.ts';
import { ageColumn, column, nameColumn } from '../http/table/columns.ts';
import { ageOf } from '../http/table/human-duration.ts';
import type { KubeObject } from '../types.ts';
import { builtinType, countKeys } from './builtin-type.ts';
import { immutableDataCauses } from './configmap.ts';
import type { KindBehavior } from './kind-behavior.ts';

export const secretType = builtinType({
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  namespaced: true,
  selectableFields: ['type'],
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** kube's write-only convenience: `stringData` values overwrite `data` (base64-encoded) and are never stored. */
function foldStringData(object: KubeObject): void {
  const stringData = object.stringData;
  delete object.stringData;
  if (!stringData || typeof stringData !== 'object') return;
  const data = { ...((object.data as Record<string, string> | undefined) ?? {}) };
  for (const [key, value] of Object.entries(stringData as Record<string, unknown>)) {
    data[key] = Buffer.from(String(value), 'utf8').toString('base64');
  }
  object.data = data;
}

function dataCauses(object: KubeObject): StatusCause[] {
  const data = object.data;
  if (data === undefined || data === null) return [];
  if (typeof data !== 'object' || Array.isArray(data))
    return [
      {
        reason: 'FieldValueTypeInvalid',
        field: 'data',
        message: 'Invalid value: must be a map of base64 strings',
      },
    ];
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value))
      causes.push({
        reason: 'FieldValueInvalid',
        field: `data[${key}]`,
        message: 'Invalid value: "<secret contents redacted>": illegal base64 data',
      });
  }
  return causes;
}

export const secretBehavior: KindBehavior = {
  knownFields: ['data', 'stringData', 'type', 'immutable'],
  prepareForCreate(object) {
    foldStringData(object);
    if (!object.type) object.type = 'Opaque';
  },
  prepareForUpdate(object, old) {
    foldStringData(object);
    if (!object.type) object.type = old.type ?? 'Opaque';
  },
  validate(object, old) {
    const causes = [...dataCauses(object), ...immutableDataCauses(object, old, ['data'])];
    if (old && old.type !== object.type)
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'type',
        message: `Invalid value: "${String(object.type)}": field is immutable`,
      });
    return causes;
  },
  table: {
    columns: [
      nameColumn,
      column('Type', 'string', 'The type of the secret'),
      column('Data', 'string', 'The number of entries in the secret'),
      ageColumn,
    ],
    cells: (object, now) => [
      object.metadata.name,
      object.type ?? '',
      countKeys(object.data),
      ageOf(object.metadata.creationTimestamp, now),
    ],
  },
};
