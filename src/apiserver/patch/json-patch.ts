// RFC 6902 JSON Patch (client-node's default patch type). Controllers rely on `test` operations for optimistic
// finalizer edits, so a failed `test` must fail the whole patch and change nothing.

import type { Operation } from 'fast-json-patch';
import fastJsonPatch from 'fast-json-patch';
import { ApiError, errors } from '../errors.ts';
import { isPlainObject } from './json-merge-patch.ts';

const KNOWN_OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);
// kube-apiserver's maxJSONPatchOperations.
const MAX_OPERATIONS = 10_000;
// kube-apiserver's JSONPatchMaxCopyBytes: without it, N `copy` ops of the whole document grow it 2^N-fold.
export const MAX_COPY_BYTES = 3 * 1024 * 1024;

/**
 * Applies an RFC 6902 patch to a copy of `target` and returns the copy; `target` is never mutated and a failing
 * operation leaves no partial result.
 *
 * Errors, as kube-apiserver answers them:
 * - a document that is not an array of objects: 400 BadRequest (kube fails to decode it);
 * - more than 10000 operations: 413 RequestEntityTooLarge;
 * - an operation that cannot be applied (unknown op, missing path, failed `test`, a `__proto__` or
 *   `constructor/prototype` path, `copy` ops that together copy more than MAX_COPY_BYTES of JSON): 422 Invalid
 *   with kube's generic message "the server rejected our request due to an error in our request" and one
 *   `UnexpectedServerResponse` cause naming the operation and path.
 */
export function jsonPatch<T>(target: T, operations: unknown): T {
  const ops = decodeOperations(operations);
  let document = structuredClone(target);
  let copiedBytes = 0;
  for (const op of ops) {
    if (op.op === 'copy') {
      copiedBytes += copySize(document, op.from);
      if (copiedBytes > MAX_COPY_BYTES)
        throw operationFailed(
          `Unable to complete the copy, the accumulated size increase of copy is ${copiedBytes}, exceeding the limit ${MAX_COPY_BYTES}`,
        );
    }
    document = applyOne(document, op);
  }
  return document;
}

/** The JSON size of what a `copy` would duplicate (0 when `from` is missing: the op then fails on its own). */
function copySize(document: unknown, from: unknown): number {
  if (typeof from !== 'string') return 0;
  try {
    return Buffer.byteLength(JSON.stringify(fastJsonPatch.getValueByPointer(document, from)) ?? '');
  } catch {
    return 0;
  }
}

function decodeOperations(operations: unknown): Operation[] {
  if (!Array.isArray(operations)) {
    throw errors.badRequest(
      `json: cannot unmarshal ${jsonKind(operations)} into Go value of type jsonpatch.Patch`,
    );
  }
  operations.forEach((op, index) => {
    if (!isPlainObject(op)) {
      throw errors.badRequest(
        `json: cannot unmarshal ${jsonKind(op)} into Go value of type jsonpatch.Operation (operation ${index})`,
      );
    }
  });
  if (operations.length > MAX_OPERATIONS) {
    throw new ApiError(
      413,
      'RequestEntityTooLarge',
      `The allowed maximum operations in a JSON patch is ${MAX_OPERATIONS}, got ${operations.length}`,
    );
  }
  return operations as Operation[];
}

function applyOne<T>(document: T, op: Operation): T {
  const raw = op as unknown as Record<string, unknown>;
  const kind = raw.op;
  if (typeof kind !== 'string' || !KNOWN_OPS.has(kind))
    throw operationFailed(`Unexpected kind: ${String(kind)}`);
  if (typeof raw.path !== 'string') throw operationFailed('operation missing path field: missing value');
  if ((kind === 'move' || kind === 'copy') && typeof raw.from !== 'string') {
    throw operationFailed(`${kind} operation missing from field: missing value`);
  }
  // evanphx/json-patch (kube's library) passes a `test` of null against a missing key of an existing parent.
  if (
    kind === 'test' &&
    raw.value === null &&
    parentExists(document, raw.path) &&
    !exists(document, raw.path)
  ) {
    return document;
  }
  try {
    return fastJsonPatch.applyOperation(document, op, true, true).newDocument;
  } catch (err) {
    if (err instanceof fastJsonPatch.JsonPatchError)
      throw operationFailed(describeFailure(document, raw, err.name));
    // fast-json-patch refuses these keys (prototype pollution) with a TypeError; kube would treat them as plain
    // keys, which no schema or built-in kind knows, so refusing the operation is the same outcome as a miss.
    if (err instanceof TypeError && /__proto__|constructor\/prototype/.test(err.message))
      throw operationFailed(
        `${kind} operation at ${raw.path} is not supported: __proto__ and constructor/prototype are reserved keys`,
      );
    throw err;
  }
}

function exists(document: unknown, pointer: string): boolean {
  try {
    return fastJsonPatch.getValueByPointer(document, pointer) !== undefined;
  } catch {
    return false;
  }
}

function parentExists(document: unknown, pointer: string): boolean {
  const parent = pointer.slice(0, pointer.lastIndexOf('/'));
  return parent === '' || exists(document, parent);
}

/** The failure in evanphx/json-patch's words, so causes read as kube's do. */
function describeFailure(document: unknown, op: Record<string, unknown>, failure: string): string {
  const kind = String(op.op);
  const path = String(op.path);
  const from = String(op.from);
  const key = path.slice(path.lastIndexOf('/') + 1);
  if (failure === 'TEST_OPERATION_FAILED') return `testing value ${path} failed: test failed`;
  if (failure === 'OPERATION_VALUE_REQUIRED') return `${kind} operation missing value field: missing value`;
  if (failure === 'OPERATION_PATH_INVALID') return `${kind} operation failed to decode path: missing value`;
  if (failure === 'OPERATION_FROM_UNRESOLVABLE') {
    return `${kind} operation does not apply: doc is missing from path: ${from}: missing value`;
  }
  if (failure === 'OPERATION_VALUE_OUT_OF_BOUNDS' || failure === 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX') {
    return `error in ${kind} for path: '${path}': Unable to access invalid index: ${key}: invalid index referenced`;
  }
  if (!parentExists(document, path)) {
    if (kind === 'test') return `test operation does not apply: is missing path: ${path}: missing value`;
    if (kind === 'add' || kind === 'remove') {
      return `${kind} operation does not apply: doc is missing path: "${path}": missing value`;
    }
    return `${kind} operation does not apply: doc is missing path: ${path}: missing value`;
  }
  if (kind === 'remove')
    return `error in remove for path: '${path}': Unable to remove nonexistent key: ${key}: missing value`;
  if (kind === 'replace')
    return `replace operation does not apply: doc is missing key: ${path}: missing value`;
  return `${kind} operation at ${path} failed: ${failure}`;
}

function operationFailed(cause: string): ApiError {
  return new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{ reason: 'UnexpectedServerResponse', message: cause }],
  });
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return typeof value;
}
