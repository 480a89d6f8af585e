import type { StatusCause } from '../errors.ts';
import type { ObjectMeta } from '../types.ts';
import { fieldError } from './field-errors.ts';
import {
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  maskTrailingDash,
} from './name-validation.ts';

export type NameRule = 'dns1123-subdomain' | 'dns1123-label' | 'path-segment';

export interface ObjectMetaValidationOptions {
  namespaced: boolean;
  /** Custom resources and most built-ins use dns1123-subdomain; namespaces use dns1123-label. */
  nameRule: NameRule;
  /** Path of the ObjectMeta in causes; `metadata` unless it belongs to an embedded resource. */
  fieldPath?: string;
}

/** kube's limit on the summed byte length of all annotation keys and values. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

const NAME_RULES: Record<NameRule, (name: string, prefix: boolean) => string[]> = {
  'dns1123-subdomain': (name, prefix) => isDns1123Subdomain(prefix ? maskTrailingDash(name) : name),
  'dns1123-label': (name, prefix) => isDns1123Label(prefix ? maskTrailingDash(name) : name),
  'path-segment': (name, prefix) => isValidPathSegmentName(name, prefix),
};

/**
 * ValidateObjectMetaAccessor (k8s.io/apimachinery/pkg/api/validation) for a create: name or generateName,
 * namespace presence and syntax, labels, annotations, owner references and finalizers, with kube's field paths
 * (`metadata.name`, `metadata.labels`, ...) and messages. Call it after generateName has been expanded into a name.
 */
export function validateObjectMeta(meta: ObjectMeta, options: ObjectMetaValidationOptions): StatusCause[] {
  const causes: StatusCause[] = [];
  const nameRule = NAME_RULES[options.nameRule];
  const base = options.fieldPath ?? 'metadata';
  const at = (field: string) => `${base}.${field}`;
  if (meta.generateName)
    for (const msg of nameRule(meta.generateName, true))
      causes.push(fieldError.invalid(at('generateName'), meta.generateName, msg));
  if (!meta.name) causes.push(fieldError.required(at('name'), 'name or generateName is required'));
  else
    for (const msg of nameRule(meta.name, false)) causes.push(fieldError.invalid(at('name'), meta.name, msg));

  if (options.namespaced) {
    if (!meta.namespace) causes.push(fieldError.required(at('namespace')));
    else
      for (const msg of isDns1123Label(meta.namespace))
        causes.push(fieldError.invalid(at('namespace'), meta.namespace, msg));
  } else if (meta.namespace) {
    causes.push(fieldError.forbidden(at('namespace'), 'not allowed on this type'));
  }
  if (typeof meta.generation === 'number' && meta.generation < 0)
    causes.push(fieldError.invalid(at('generation'), meta.generation, 'must be greater than or equal to 0'));
  causes.push(...validateLabels(meta.labels, `${base}.labels`));
  causes.push(...validateAnnotations(meta.annotations, `${base}.annotations`));
  causes.push(...validateOwnerReferences(meta.ownerReferences, `${base}.ownerReferences`));
  causes.push(...validateFinalizers(meta.finalizers, `${base}.finalizers`));
  return causes;
}

/**
 * ValidateObjectMetaAccessorUpdate: identity fields are immutable, resourceVersion is required, generation may
 * not go down, no finalizers may be added once deletion started; labels etc. are re-validated.
 */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta): StatusCause[] {
  const causes: StatusCause[] = [];
  if (old.deletionTimestamp) {
    const added = [...new Set(meta.finalizers ?? [])]
      .filter((f) => !(old.finalizers ?? []).includes(f))
      .sort();
    if (added.length > 0)
      causes.push(
        fieldError.forbidden(
          'metadata.finalizers',
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
        ),
      );
  }
  if (!meta.resourceVersion)
    causes.push(
      fieldError.invalid(
        'metadata.resourceVersion',
        meta.resourceVersion ?? '',
        'must be specified for an update',
      ),
    );
  if ((meta.generation ?? 0) < (old.generation ?? 0))
    causes.push(fieldError.invalid('metadata.generation', meta.generation ?? 0, 'must not be decremented'));
  const immutable = [
    'name',
    'namespace',
    'uid',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
  ] as const;
  for (const key of immutable)
    if ((meta[key] ?? '') !== (old[key] ?? ''))
      causes.push(fieldError.invalid(`metadata.${key}`, meta[key] ?? '', 'field is immutable'));
  causes.push(...validateLabels(meta.labels, 'metadata.labels'));
  causes.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  causes.push(...validateOwnerReferences(meta.ownerReferences, 'metadata.ownerReferences'));
  return causes;
}

export function validateLabels(labels: Record<string, string> | undefined, field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(key)) causes.push(fieldError.invalid(field, key, msg));
    for (const msg of isValidLabelValue(String(value))) causes.push(fieldError.invalid(field, value, msg));
  }
  return causes;
}

export function validateAnnotations(
  annotations: Record<string, string> | undefined,
  field: string,
): StatusCause[] {
  const causes: StatusCause[] = [];
  let totalSize = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    for (const msg of isQualifiedName(key.toLowerCase())) causes.push(fieldError.invalid(field, key, msg));
    totalSize += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (totalSize > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES)
    causes.push(fieldError.tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
  return causes;
}

export function validateFinalizers(finalizers: string[] | undefined, field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const finalizer of finalizers ?? [])
    for (const msg of isQualifiedName(finalizer)) causes.push(fieldError.invalid(field, finalizer, msg));
  if (finalizers?.includes('orphan') && finalizers.includes('foregroundDeletion'))
    causes.push(
      fieldError.invalid(field, finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'),
    );
  return causes;
}

function validateOwnerReferences(refs: ObjectMeta['ownerReferences'], field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    const version = (ref.apiVersion ?? '').split('/').at(-1) ?? '';
    if (!version)
      causes.push(
        fieldError.invalid(`${field}.apiVersion`, ref.apiVersion ?? '', 'version must not be empty'),
      );
    if (!ref.kind) causes.push(fieldError.invalid(`${field}.kind`, ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name) causes.push(fieldError.invalid(`${field}.name`, ref.name ?? '', 'name must not be empty'));
    if (!ref.uid) causes.push(fieldError.invalid(`${field}.uid`, ref.uid ?? '', 'uid must not be empty'));
    if (ref.controller === true) {
      const current = `${ref.kind}/${ref.name}`;
      if (firstController)
        causes.push(
          fieldError.invalid(
            field,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      else firstController = current;
    }
  }
  return causes;
}
