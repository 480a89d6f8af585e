import type { ErrorObject } from 'ajv';
import type { StatusCause } from '../errors.ts';
import { FORMAT_NAME_KEYWORD } from './ajv-schema.ts';
import { childPath, fieldError, formatGoNumber, goQuote } from './field-errors.ts';

/**
 * Turns ajv's errors into the causes kube-apiserver reports for the same violations: kube-openapi's validator
 * messages (`spec.replicas in body should be greater than or equal to 1`) wrapped the way apiextensions-apiserver
 * wraps them (kubeOpenAPIResultToFieldErrors): type -> FieldValueTypeInvalid, required -> FieldValueRequired,
 * enum -> FieldValueNotSupported, maxLength -> FieldValueTooLong, maxItems/maxProperties -> FieldValueTooMany,
 * everything else -> FieldValueInvalid. Requires ajv's `verbose` option (error.data, error.parentSchema).
 * `isRatcheted` drops errors about values an update left unchanged (see ratchet.ts).
 */
export function mapAjvErrors(
  errors: readonly ErrorObject[],
  root: unknown,
  isRatcheted: (pointer: string) => boolean = () => false,
): StatusCause[] {
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  const stringCheckDone = new Set<string>();
  for (const error of keepBestAlternatives(errors)) {
    if (isRatcheted(error.instancePath)) continue;
    const path = kubePath(error.instancePath, root);
    // kube-openapi's string validator stops at the first failing check of maxLength, minLength, pattern.
    if (STRING_CHECKS.has(error.keyword)) {
      if (stringCheckDone.has(path)) continue;
      stringCheckDone.add(path);
    }
    const cause = mapError(error, path);
    if (!cause) continue;
    const key = `${cause.field}\u0000${cause.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    causes.push(cause);
  }
  return causes;
}

const STRING_CHECKS = new Set(['maxLength', 'minLength', 'pattern']);

/** kube's name for a JSON value's type in "must be of type" messages. */
export function kubeTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'bigint') return 'integer';
  return typeof value === 'object' ? 'object' : typeof value;
}

function mapError(error: ErrorObject, path: string): StatusCause | undefined {
  const params = error.params as Record<string, unknown>;
  const data: unknown = error.data;
  const at = `${path} in body`;
  switch (error.keyword) {
    case 'type': {
      const declared = String(params.type)
        .split(',')
        .filter((t) => t !== 'null')
        .join(',');
      const actual = kubeTypeName(data);
      return fieldError.typeInvalid(path, actual, `${at} must be of type ${declared}: ${goQuote(actual)}`);
    }
    case 'required':
      return fieldError.required(childPath(path, String(params.missingProperty)));
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      return fieldError.notSupported(
        path,
        data,
        allowed.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
      );
    }
    case 'maxLength':
      return fieldError.tooLong(path, Number(params.limit));
    case 'minLength':
      return fieldError.invalid(path, data, `${at} should be at least ${params.limit} chars long`);
    case 'pattern':
      return fieldError.invalid(path, data, `${at} should match '${params.pattern}'`);
    case 'format': {
      const parent = error.parentSchema as Record<string, unknown> | undefined;
      const name = String(parent?.[FORMAT_NAME_KEYWORD] ?? params.format);
      return fieldError.typeInvalid(path, data, `${at} must be of type ${name}: ${goQuote(String(data))}`);
    }
    case 'minimum':
      return fieldError.invalid(
        path,
        data,
        `${at} should be greater than or equal to ${bound(params.limit)}`,
      );
    case 'exclusiveMinimum':
      return fieldError.invalid(path, data, `${at} should be greater than ${bound(params.limit)}`);
    case 'maximum':
      return fieldError.invalid(path, data, `${at} should be less than or equal to ${bound(params.limit)}`);
    case 'exclusiveMaximum':
      return fieldError.invalid(path, data, `${at} should be less than ${bound(params.limit)}`);
    case 'multipleOf':
      return fieldError.invalid(path, data, `${at} should be a multiple of ${bound(params.multipleOf)}`);
    case 'maxItems':
      return fieldError.tooMany(path, Array.isArray(data) ? data.length : -1, Number(params.limit));
    case 'minItems':
      return fieldError.invalid(
        path,
        Array.isArray(data) ? data.length : '',
        `${at} should have at least ${params.limit} items`,
      );
    case 'uniqueItems':
      return fieldError.invalid(path, '', `${at} shouldn't contain duplicates`);
    case 'maxProperties':
      return fieldError.tooMany(path, countKeys(data), Number(params.limit));
    case 'minProperties':
      return fieldError.invalid(
        path,
        countKeys(data),
        `${at} should have at least ${params.limit} properties`,
      );
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      return fieldError.invalid(path, key, `${path}.${key} in body is a forbidden property`);
    }
    // Composite-schema failures are not field errors in kube-openapi; apiextensions reports them without a path.
    case 'anyOf':
      return fieldError.invalid('<nil>', '', `"${path}" must validate at least one schema (anyOf)`);
    case 'oneOf': {
      const passing = params.passingSchemas;
      const found = Array.isArray(passing)
        ? `Found ${passing.length} valid alternatives`
        : 'Found none valid';
      return fieldError.invalid(
        '<nil>',
        '',
        `"${path}" must validate one and only one schema (oneOf). ${found}`,
      );
    }
    case 'not':
      return fieldError.invalid('<nil>', '', `"${path}" must not validate the schema (not)`);
    default:
      return fieldError.invalid(path, data ?? '', `${at} ${error.message ?? 'is invalid'}`);
  }
}

function bound(value: unknown): string {
  return typeof value === 'number' ? formatGoNumber(value) : String(value);
}

function countKeys(value: unknown): number {
  return typeof value === 'object' && value !== null ? Object.keys(value).length : -1;
}

/**
 * Converts ajv's JSON pointer into kube's field path: object keys joined with dots, array positions as `[i]`.
 * Whether a segment is an index depends on the data, so the pointer is walked through the validated object.
 */
export function kubePath(pointer: string, root: unknown): string {
  if (pointer === '') return '';
  let path = '';
  let current: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current)) {
      path += `[${segment}]`;
      current = current[Number(segment)];
    } else {
      path = childPath(path, segment);
      current =
        typeof current === 'object' && current !== null
          ? (current as Record<string, unknown>)[segment]
          : undefined;
    }
  }
  return path;
}

/**
 * For anyOf/oneOf, ajv reports every alternative's failures; kube-openapi keeps only the failures of the
 * alternative that came closest. Approximate "closest" by the fewest errors (first on ties).
 */
function keepBestAlternatives(errors: readonly ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  for (const composite of errors) {
    if (composite.keyword !== 'anyOf' && composite.keyword !== 'oneOf') continue;
    const prefix = `${composite.schemaPath}/`;
    const byBranch = new Map<string, ErrorObject[]>();
    for (const error of errors) {
      if (!error.schemaPath.startsWith(prefix)) continue;
      const branch = error.schemaPath.slice(prefix.length).split('/')[0] ?? '';
      byBranch.set(branch, [...(byBranch.get(branch) ?? []), error]);
    }
    let best: ErrorObject[] | undefined;
    for (const branchErrors of byBranch.values())
      if (!best || branchErrors.length < best.length) best = branchErrors;
    for (const branchErrors of byBranch.values())
      if (branchErrors !== best) for (const error of branchErrors) dropped.add(error);
  }
  return errors.filter((e) => !dropped.has(e));
}
