import type { IncomingMessage } from 'node:http';
import { load, YAMLException } from 'js-yaml';
import { ApiError, errors } from '../errors.ts';
import {
  exceededJsonLimit,
  MAX_EXPANDED_VALUES,
  MAX_NESTING_DEPTH,
  YAML_PARSER_MAX_DEPTH,
} from '../schema/json-limits.ts';
import { decodeProtobufObject } from './protobuf-body.ts';

/**
 * Reads the whole body, refusing more than `limit` bytes (413) without buffering the excess. The rest of an
 * oversized body is drained rather than destroyed so the client still reads the 413 Status.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(errors.tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        reject(errors.tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!tooLarge) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/** The media type of a Content-Type header without parameters, lower-cased ('' when absent). */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export type BodyFormat = 'json' | 'yaml' | 'protobuf';

/** Formats accepted for POST/PUT bodies, like kube-apiserver (protobuf only for the kinds kubectl sends so). */
export function bodyFormatOf(contentType: string | undefined): BodyFormat {
  const type = mediaType(contentType);
  if (type === '' || type === 'application/json') return 'json';
  if (type === 'application/yaml') return 'yaml';
  if (type === 'application/vnd.kubernetes.protobuf') return 'protobuf';
  throw errors.unsupportedMediaType(type);
}

/**
 * Parses a body; malformed input gets kube's decoder wording (400 BadRequest). The decoded value is at most
 * MAX_NESTING_DEPTH deep and, for YAML, expands to at most MAX_EXPANDED_VALUES values (alias bombs are refused
 * before anything copies or serializes them).
 */
export function decodeBody(body: Buffer, format: BodyFormat): unknown {
  if (format === 'protobuf') return checked(decodeProtobufObject(body), 'json');
  const text = body.toString('utf8');
  if (format === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw errors.badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`);
    }
    return checked(value, 'json');
  }
  let value: unknown;
  try {
    value = load(text, { maxDepth: YAML_PARSER_MAX_DEPTH });
  } catch (error) {
    const reason = error instanceof YAMLException ? error.reason : (error as Error).message;
    const line = error instanceof YAMLException && error.mark ? ` line ${error.mark.line + 1}:` : '';
    throw errors.badRequest(`error converting YAML to JSON: yaml:${line} ${reason}`);
  }
  return checked(value, 'yaml');
}

function checked(value: unknown, format: 'json' | 'yaml'): unknown {
  const yaml = format === 'yaml';
  const exceeded = exceededJsonLimit(value, {
    maxDepth: MAX_NESTING_DEPTH,
    maxValues: yaml ? MAX_EXPANDED_VALUES : Number.POSITIVE_INFINITY,
  });
  if (exceeded === undefined) return value;
  const prefix = yaml
    ? 'error converting YAML to JSON: yaml:'
    : "couldn't get version/kind; json parse error:";
  // go-yaml's wording for alias bombs; JSON cannot exceed the value budget (it is not checked there).
  if (exceeded === 'values') throw errors.badRequest(`${prefix} document contains excessive aliasing`);
  throw errors.badRequest(`${prefix} exceeded max depth of ${MAX_NESTING_DEPTH}`);
}

/** Object bodies (create, update, apply): anything but a JSON object is a 400. */
export function requireObjectBody(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    throw errors.badRequest(
      `couldn't get version/kind; json parse error: json: cannot unmarshal ${got} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`,
    );
  }
  return value as Record<string, unknown>;
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}
