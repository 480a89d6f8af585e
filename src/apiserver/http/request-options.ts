import { errors } from '../errors.ts';
import type { FieldValidation } from '../types.ts';
import type { PropagationPolicy } from './internal-client.ts';

function unsupported(name: string, value: string, supported: string[]): never {
  throw errors.badRequest(
    `${name}: Unsupported value: "${value}": supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
  );
}

/** `dryRun=All` (the only value kube defines); absent = a real write. */
export function dryRunOf(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const value of values) if (value !== 'All') unsupported('dryRun', value, ['All']);
  return values.length > 0;
}

/** kube-apiserver's default is Warn: unknown fields are dropped with a Warning header. */
export function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const value = query.get('fieldValidation');
  if (value === null || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  return unsupported('fieldValidation', value, ['Ignore', 'Strict', 'Warn']);
}

/**
 * The manager recorded in managedFields: `fieldManager`, else the program name from the User-Agent
 * (`kubectl/v1.32.0 (linux/amd64) ...` -> `kubectl`), as kube-apiserver does.
 */
export function fieldManagerOf(query: URLSearchParams, userAgent: string | undefined): string {
  const explicit = query.get('fieldManager');
  if (explicit !== null && explicit !== '') {
    if (explicit.length > 128)
      throw errors.badRequest(`fieldManager: Too long: may not be more than 128 bytes`);
    return explicit;
  }
  const program = (userAgent ?? '').split('/')[0]!.trim();
  return (program || 'unknown').slice(0, 128);
}

export function booleanParam(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value === 'true' || value === '1';
}

/** DeleteOptions from the body (kubectl) merged with query parameters (curl users). */
export interface DeleteRequestOptions {
  propagationPolicy: PropagationPolicy | undefined;
  preconditions: { uid?: string; resourceVersion?: string };
}

export function deleteOptionsOf(
  body: Record<string, unknown> | undefined,
  query: URLSearchParams,
): DeleteRequestOptions {
  let policy = (body?.propagationPolicy as string | undefined) ?? query.get('propagationPolicy') ?? undefined;
  const orphan =
    body?.orphanDependents ??
    (query.has('orphanDependents') ? booleanParam(query, 'orphanDependents') : undefined);
  if (policy === undefined && orphan !== undefined) policy = orphan === true ? 'Orphan' : 'Background';
  if (policy !== undefined && policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan')
    unsupported('propagationPolicy', policy, ['Background', 'Foreground', 'Orphan']);
  const pre = (body?.preconditions ?? {}) as { uid?: unknown; resourceVersion?: unknown };
  const preconditions: { uid?: string; resourceVersion?: string } = {};
  if (typeof pre.uid === 'string' && pre.uid !== '') preconditions.uid = pre.uid;
  if (typeof pre.resourceVersion === 'string' && pre.resourceVersion !== '')
    preconditions.resourceVersion = pre.resourceVersion;
  return { propagationPolicy: policy as PropagationPolicy | undefined, preconditions };
}
