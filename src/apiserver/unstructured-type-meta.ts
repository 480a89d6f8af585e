// kind and apiVersion of custom resources, as kube-apiserver checks them. Built-in kinds are decoded into their Go
// type, which supplies kind and apiVersion from the URL when a body leaves them out; custom resources are decoded
// as unstructured objects, which take both from the body alone, so there kube refuses a body without them.
// Traced through apimachinery's json serializer and unstructured decoder, apiserver's create/update/patch handlers
// (transformDecodeError, AcceptsGroupVersion) and apiextensions-apiserver's UnstructuredObjectTyper and
// customResourceValidator.ValidateTypeMeta.
import { ApiError, errors } from './errors.ts';
import type { BodyFormat } from './http/request-body.ts';
import { canonicalJson } from './patch/ssa/path-element.ts';
import { apiVersionOf, type FieldValidation, type ResourceType } from './types.ts';

/**
 * POST and PUT bodies of custom resources, checked when they are decoded (before metadata, schema or admission):
 * - no kind: 400, worded by the decoder that ran (fieldValidation Ignore decodes leniently, Strict and Warn
 *   strictly) around apimachinery's `Object 'Kind' is missing in '<body>'`;
 * - a kind but no apiVersion: Strict/Warn 400 (the empty API version does not match the URL's); Ignore defaults
 *   the version for the URL check only, so the object reaches the registry without one: 500, kube's own answer.
 * `raw` is the body as sent: kube quotes it in the message.
 */
export function checkCustomBodyTypeMeta(
  body: Record<string, unknown>,
  raw: Buffer,
  format: BodyFormat,
  type: ResourceType,
  fieldValidation: FieldValidation,
): void {
  if (!type.custom) return;
  if (isMissing(body.kind)) {
    if (fieldValidation === 'Ignore') {
      // The lenient decoder hands the object's JSON (YAML converted, keys sorted) to the unstructured decoder.
      const json = format === 'yaml' ? goJson(body) : raw.toString('utf8').trim();
      throw errors.badRequest(
        `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: ${missingKind(json)}`,
      );
    }
    throw errors.badRequest(
      `the object provided is unrecognized (must be of type ${type.kind}): ${missingKind(raw.toString('utf8'))} (${summarize(raw)})`,
    );
  }
  if (isMissing(body.apiVersion)) {
    if (fieldValidation === 'Ignore') throw missingApiVersion();
    throw errors.badRequest(
      `the API version in the data () does not match the expected API version (${apiVersionOf(type)})`,
    );
  }
}

/**
 * The object a JSON or merge patch made of a custom resource, checked as kube decodes it: without kind it does not
 * decode (422 naming the patched object); without apiVersion it decodes but the registry cannot type it (500).
 * Apply patches are checked by server-side apply itself.
 */
export function checkPatchedTypeMeta(patched: Record<string, unknown>, type: ResourceType): void {
  if (!type.custom) return;
  if (isMissing(patched.kind)) {
    const json = goJson(patched);
    const message = `Invalid value: ${JSON.stringify(json)}: ${missingKind(json)}`;
    // kube's NewInvalid with an empty GroupKind and name: the message starts with ` "" is invalid`.
    throw new ApiError(422, 'Invalid', ` "" is invalid: patch: ${message}`, {
      causes: [{ reason: 'FieldValueInvalid', message, field: 'patch' }],
    });
  }
  if (isMissing(patched.apiVersion)) throw missingApiVersion();
}

/**
 * A custom resource whose kind or apiVersion is not the URL's fails the registry's validation: 422 under the kind
 * and group the object claims, as kube's typer reads them from it. Absent fields are not checked here (see above
 * for what kube does with those; the server's own writes may leave them to the URL).
 */
export function checkCustomTypeMetaMatches(
  object: { kind?: unknown; apiVersion?: unknown; metadata?: { name?: string } },
  type: ResourceType,
): void {
  if (!type.custom) return;
  const expectedVersion = apiVersionOf(type);
  const causes = [];
  if (!isMissing(object.kind) && object.kind !== type.kind)
    causes.push(mismatch('kind', object.kind, type.kind));
  if (!isMissing(object.apiVersion) && object.apiVersion !== expectedVersion)
    causes.push(mismatch('apiVersion', object.apiVersion, expectedVersion));
  if (causes.length === 0) return;
  const claimed = isMissing(object.apiVersion) ? expectedVersion : String(object.apiVersion);
  const group = claimed.includes('/') ? claimed.slice(0, claimed.indexOf('/')) : '';
  const kind = isMissing(object.kind) ? type.kind : String(object.kind);
  throw errors.invalid({ group, resourceOrKind: kind }, object.metadata?.name ?? '', causes);
}

function mismatch(field: string, value: unknown, expected: string) {
  return {
    reason: 'FieldValueInvalid',
    field,
    message: `Invalid value: ${JSON.stringify(String(value))}: must be ${expected}`,
  };
}

/** JSON null and "" decode to an empty Go string: as absent as a missing field. */
function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

const missingKind = (data: string) => `Object 'Kind' is missing in '${data}'`;

/** The registry's typer on an object without apiVersion: kube answers 500 (kubernetes/kubernetes#71435). */
function missingApiVersion(): ApiError {
  return errors.internal("Object 'apiVersion' is missing in 'object has no apiVersion field'");
}

/** Go's json.Marshal of the decoded object: keys sorted, compact, HTML-sensitive characters escaped. */
function goJson(value: unknown): string {
  return canonicalJson(value).replace(
    /[<>&\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** apiserver's summarizeData(body, 30): JSON-looking bodies as text, anything else in hex. */
function summarize(raw: Buffer): string {
  const MAX = 30;
  if (raw.length === 0) return '<empty>';
  const head = raw.subarray(0, MAX);
  const text = raw[0] === 0x7b ? head.toString('utf8') : head.toString('hex');
  return raw.length > MAX ? `${text} ...` : text;
}
