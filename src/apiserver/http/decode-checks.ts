// What kube's decoders refuse before any admission step runs: request bodies that cannot be read into the Go
// types (metav1.ObjectMeta for every kind; MicroTime fields of Events; the string maps of ConfigMap and Secret). Each refusal is a 400 BadRequest in the
// words kube-apiserver uses for a failed decode, and nothing is stored.
import { errors } from '../errors.ts';
import { microTimeParseError } from '../schema/go-time.ts';
import {
  findMetaDecodeError,
  type MetaDecodeError,
  unmarshalTypeMessage,
} from '../schema/object-meta-types.ts';
import type { ResourceType } from '../types.ts';
import { base64ErrorOffset } from './go-base64.ts';
import { goSyntax } from './go-syntax.ts';

/**
 * Throws 400 for a body kube could not decode as `type`:
 * `Gadget in version "v1" cannot be handled as a Gadget: <decode error>` (kube's transformDecodeError). Custom
 * resources word a metadata error as apiextensions-apiserver's metadata coercion does
 * (`metadata: Invalid value: map[string]interface {}{...}: json: cannot unmarshal ...`); built-in kinds as
 * encoding/json does for the typed object (`... Go struct field ObjectMeta.metadata.name of type string`).
 */
export function checkDecodable(body: Record<string, unknown>, type: ResourceType): void {
  const problem = decodeProblem(body, type);
  if (problem !== undefined)
    throw errors.badRequest(
      `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: ${problem}`,
    );
}

function decodeProblem(body: Record<string, unknown>, type: ResourceType): string | undefined {
  const metadata = body.metadata;
  if (isObject(metadata)) {
    const error = findMetaDecodeError(metadata);
    if (error !== undefined)
      return type.custom
        ? `metadata: Invalid value: ${goSyntax(metadata)}: ${describe(error, '')}`
        : describe(error, 'metadata.');
  }
  if (type.kind === 'Event' && (type.group === '' || type.group === 'events.k8s.io'))
    return eventTimeProblem(body);
  const maps = type.group === '' ? BUILTIN_STRING_MAPS[type.kind] : undefined;
  if (maps) return stringMapProblem(body, type.kind, maps);
  return undefined;
}

/** Top-level string maps of built-in kinds and the Go type of their values ([]byte travels as base64 text). */
const BUILTIN_STRING_MAPS: Record<string, Record<string, string>> = {
  ConfigMap: { data: 'string', binaryData: '[]uint8' },
  Secret: { data: '[]uint8', stringData: 'string' },
};

function stringMapProblem(
  body: Record<string, unknown>,
  kind: string,
  maps: Record<string, string>,
): string | undefined {
  for (const [field, valueType] of Object.entries(maps)) {
    const map = body[field];
    if (map === undefined || map === null) continue;
    const mismatch = (value: unknown, goType: string) =>
      `json: cannot unmarshal ${jsonKind(value)} into Go struct field ${kind}.${field} of type ${goType}`;
    if (!isObject(map)) return mismatch(map, `map[string]${valueType}`);
    for (const value of Object.values(map)) {
      if (value === null) continue;
      if (typeof value !== 'string') return mismatch(value, valueType);
      const offset = valueType === '[]uint8' ? base64ErrorOffset(value) : undefined;
      if (offset !== undefined) return `illegal base64 data at input byte ${offset}`;
    }
  }
  return undefined;
}

function describe(error: MetaDecodeError, fieldPrefix: string): string {
  return error.kind === 'type' ? unmarshalTypeMessage(error.error, fieldPrefix) : error.message;
}

/**
 * eventTime and series.lastObservedTime are metav1.MicroTime in both Event APIs: exactly six fractional digits.
 * kube refuses anything else; storing it would make typed readers (kubectl describe) fail on the whole list.
 */
function eventTimeProblem(body: Record<string, unknown>): string | undefined {
  const series = body.series;
  const times = [body.eventTime, isObject(series) ? series.lastObservedTime : undefined];
  for (const time of times) {
    if (time === undefined || time === null) continue;
    if (typeof time !== 'string')
      return `json: cannot unmarshal ${jsonKind(time)} into Go value of type string`;
    const problem = microTimeParseError(time);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}
