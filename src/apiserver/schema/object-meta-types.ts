// kube decodes every request's metadata into the typed metav1.ObjectMeta, so a field of the wrong JSON type is a
// decode error (400), never stored. Without this check a numeric label would be stored and then break every typed
// client (client-go informers, controller-runtime caches) that lists the collection.
import { timeParseError } from './go-time.ts';

/** A JSON value of the wrong type for its Go field, in the terms of Go's json.UnmarshalTypeError. */
export interface MetaTypeError {
  /** What the JSON held: `string`, `number`, `number 1.5` (a fraction for an integer), `bool`, `array`, `object`. */
  value: string;
  /** The innermost Go struct: `ObjectMeta`, `OwnerReference` or `ManagedFieldsEntry`. */
  struct: string;
  /** The JSON path from ObjectMeta, e.g. `labels` or `ownerReferences.name`. */
  field: string;
  /** The Go type the field decodes into, e.g. `string`, `map[string]string`, `int64`. */
  goType: string;
}

/** A decode failure: a type mismatch, or a custom decoder's error (metav1.Time's time.Parse). */
export type MetaDecodeError = { kind: 'type'; error: MetaTypeError } | { kind: 'message'; message: string };

type FieldType =
  | 'string'
  | 'int64'
  | 'bool'
  | 'time'
  | 'string-map'
  | 'string-list'
  | 'owner-references'
  | 'managed-fields'
  | 'any';

const OBJECT_META: Record<string, FieldType> = {
  name: 'string',
  generateName: 'string',
  namespace: 'string',
  selfLink: 'string',
  uid: 'string',
  resourceVersion: 'string',
  generation: 'int64',
  creationTimestamp: 'time',
  deletionTimestamp: 'time',
  deletionGracePeriodSeconds: 'int64',
  labels: 'string-map',
  annotations: 'string-map',
  finalizers: 'string-list',
  ownerReferences: 'owner-references',
  managedFields: 'managed-fields',
};

const OWNER_REFERENCE: Record<string, FieldType> = {
  apiVersion: 'string',
  kind: 'string',
  name: 'string',
  uid: 'string',
  controller: 'bool',
  blockOwnerDeletion: 'bool',
};

const MANAGED_FIELDS_ENTRY: Record<string, FieldType> = {
  manager: 'string',
  operation: 'string',
  apiVersion: 'string',
  time: 'time',
  fieldsType: 'string',
  fieldsV1: 'any',
  subresource: 'string',
};

/**
 * The first field of `metadata` (a JSON object) that would not decode into metav1.ObjectMeta, in the order Go
 * decodes (document order), or undefined. `null` decodes to the zero value everywhere, as in Go; unknown fields
 * are not this check's business (they are pruned and reported by fieldValidation).
 */
export function findMetaDecodeError(metadata: Record<string, unknown>): MetaDecodeError | undefined {
  return checkStruct(metadata, OBJECT_META, 'ObjectMeta', '');
}

function checkStruct(
  object: Record<string, unknown>,
  fields: Record<string, FieldType>,
  struct: string,
  path: string,
): MetaDecodeError | undefined {
  for (const [key, value] of Object.entries(object)) {
    const type = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (type === undefined || value === null) continue;
    const problem = checkField(value, type, struct, path ? `${path}.${key}` : key);
    if (problem) return problem;
  }
  return undefined;
}

function checkField(
  value: unknown,
  type: FieldType,
  struct: string,
  field: string,
): MetaDecodeError | undefined {
  const mismatch = (goType: string, actual: unknown = value, kind = jsonKind(actual)): MetaDecodeError => ({
    kind: 'type',
    error: { value: kind, struct, field, goType },
  });
  switch (type) {
    case 'any':
      return undefined;
    case 'string':
      return typeof value === 'string' ? undefined : mismatch('string');
    case 'bool':
      return typeof value === 'boolean' ? undefined : mismatch('bool');
    case 'int64':
      if (typeof value !== 'number') return mismatch('int64');
      // Go names the number itself when a fraction meets an integer field.
      return Number.isInteger(value) ? undefined : mismatch('int64', value, `number ${value}`);
    case 'time': {
      // metav1.Time decodes itself: first into a Go string, then with time.Parse.
      if (typeof value !== 'string')
        return {
          kind: 'message',
          message: `json: cannot unmarshal ${jsonKind(value)} into Go value of type string`,
        };
      const parseError = timeParseError(value);
      return parseError === undefined ? undefined : { kind: 'message', message: parseError };
    }
    case 'string-map': {
      if (!isObject(value)) return mismatch('map[string]string');
      for (const entry of Object.values(value))
        if (entry !== null && typeof entry !== 'string') return mismatch('string', entry);
      return undefined;
    }
    case 'string-list': {
      if (!Array.isArray(value)) return mismatch('[]string');
      for (const item of value)
        if (item !== null && typeof item !== 'string') return mismatch('string', item);
      return undefined;
    }
    case 'owner-references':
      return checkStructList(value, OWNER_REFERENCE, 'OwnerReference', struct, field);
    case 'managed-fields':
      return checkStructList(value, MANAGED_FIELDS_ENTRY, 'ManagedFieldsEntry', struct, field);
  }
}

function checkStructList(
  value: unknown,
  fields: Record<string, FieldType>,
  itemStruct: string,
  struct: string,
  field: string,
): MetaDecodeError | undefined {
  const mismatch = (goType: string, actual: unknown): MetaDecodeError => ({
    kind: 'type',
    error: { value: jsonKind(actual), struct, field, goType },
  });
  if (!Array.isArray(value)) return mismatch(`[]v1.${itemStruct}`, value);
  for (const item of value) {
    if (item === null) continue;
    if (!isObject(item)) return mismatch(`v1.${itemStruct}`, item);
    const problem = checkStruct(item, fields, itemStruct, field);
    if (problem) return problem;
  }
  return undefined;
}

/** Go's `json: cannot unmarshal ...` text for a type mismatch. */
export function unmarshalTypeMessage(error: MetaTypeError, fieldPrefix = ''): string {
  return `json: cannot unmarshal ${error.value} into Go struct field ${error.struct}.${fieldPrefix}${error.field} of type ${error.goType}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Go's name for a JSON value in UnmarshalTypeError. */
function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}
