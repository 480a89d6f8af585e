import { Ajv, type ValidateFunction } from 'ajv';
import type { StatusCause } from '../errors.ts';
import { mapAjvErrors } from './ajv-errors.ts';
import { FORMAT_NAME_KEYWORD, toAjvSchema } from './ajv-schema.ts';
import { addKubeFormats } from './formats.ts';
import { isUnchangedOnUpdate } from './ratchet.ts';
import type { SchemaNode } from './schema-node.ts';

/**
 * The openAPIV3Schema value checks (types, required, enum, bounds, lengths, patterns, formats, junctors),
 * compiled by ajv and reported in kube-apiserver's words. One ajv instance serves every CRD version: compiled
 * validators are independent functions, and ajv's cost is in compiling, which happens once per schema.
 */
let sharedAjv: Ajv | undefined;

function ajv(): Ajv {
  if (!sharedAjv) {
    // strict:false because CRD schemas are OpenAPI 3.0, not a JSON Schema draft ajv knows; allErrors because
    // kube reports every violation at once; verbose for the offending data and schema node in each error.
    sharedAjv = new Ajv({
      strict: false,
      allErrors: true,
      verbose: true,
      validateFormats: true,
      code: { regExp: re2CompatibleRegExp },
    });
    addKubeFormats(sharedAjv);
    sharedAjv.addKeyword({ keyword: FORMAT_NAME_KEYWORD, schemaType: 'string' });
  }
  return sharedAjv;
}

/**
 * CRD patterns are Go RE2 expressions. The common RE2-only construct is a leading inline flag group such as
 * `(?i)`; JavaScript spells that as a RegExp flag.
 */
const re2CompatibleRegExp = Object.assign(
  (pattern: string, flags: string): RegExp => {
    const inline = /^\(\?([imsU]+)\)/.exec(pattern);
    if (!inline) return new RegExp(pattern, flags);
    const extra = [...(inline[1] ?? '')].filter((f) => f !== 'U' && !flags.includes(f)).join('');
    return new RegExp(pattern.slice(inline[0].length), flags + extra);
  },
  { code: 'new RegExp' },
);

/** Validates an object; with `old` (an update), errors about values that did not change are ratcheted away. */
export type OpenApiValidator = (object: unknown, old?: unknown) => StatusCause[];

/** Compiles a CRD schema. Throws when ajv cannot compile it (e.g. an invalid `pattern` regular expression). */
export function compileOpenApiValidator(openAPIV3Schema: Record<string, unknown>): OpenApiValidator {
  const validate: ValidateFunction = ajv().compile(toAjvSchema(openAPIV3Schema));
  const schema = openAPIV3Schema as SchemaNode;
  return (object, old) => {
    if (validate(object)) return [];
    const ratcheted =
      old === undefined ? undefined : (pointer: string) => isUnchangedOnUpdate(schema, object, old, pointer);
    return mapAjvErrors(validate.errors ?? [], object, ratcheted);
  };
}
