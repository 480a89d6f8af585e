import { errors } from '../errors.ts';
import type { KubeObject } from '../types.ts';

export type FieldOperator = '=' | '==' | '!=';

export interface FieldRequirement {
  /** Dotted path into the object: `metadata.name`, `spec.hypervisorName`. */
  field: string;
  operator: FieldOperator;
  /** Unescaped (`\,` `\=` `\\` in the text stand for `,` `=` `\`). */
  value: string;
}

/** A compiled field selector: every requirement must hold. */
export interface FieldMatcher {
  readonly requirements: readonly FieldRequirement[];
  matches(object: KubeObject): boolean;
  /**
   * The value `field` must equal, when the selector pins it (`metadata.name=x`): lets a caller turn a list
   * into a get, as kubectl wait's `fieldSelector=metadata.name=...` invites.
   */
  exactValue(field: string): string | undefined;
}

/** Every resource supports these, whatever its selectableFields. */
export const ALWAYS_SELECTABLE = ['metadata.name', 'metadata.namespace'] as const;

// Checked in this order so `a==b` is not read as `a` = `=b`.
const OPERATORS: FieldOperator[] = ['!=', '==', '='];

/**
 * Parses Kubernetes' field selector syntax, `metadata.name=x,metadata.namespace!=y`, without checking which
 * fields exist. Throws ApiError 400 with kube's messages for terms without an operator and bad escapes.
 */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(text)) {
    if (term === '') continue;
    const split = splitTerm(term);
    if (!split) throw errors.badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    requirements.push({ field: split.field, operator: split.operator, value: unescapeValue(split.rawValue) });
  }
  return requirements;
}

/**
 * Parses and checks a field selector for one resource type: `metadata.name` and `metadata.namespace` are always
 * allowed, other fields only when listed in `supportedFields` (ResourceType.selectableFields), else ApiError 400
 * `field label not supported: <field>`. Values compare as text: a missing field reads as "", numbers and
 * booleans as their JSON text, so `spec.paused=false` matches `paused: false`.
 */
export function compileFieldSelector(text: string, supportedFields: readonly string[]): FieldMatcher {
  const requirements = parseFieldSelector(text);
  const supported = new Set<string>([...ALWAYS_SELECTABLE, ...supportedFields]);
  for (const { field } of requirements) {
    if (!supported.has(field)) throw errors.badRequest(`field label not supported: ${field}`);
  }
  const paths = requirements.map((requirement) => requirement.field.split('.'));
  return {
    requirements,
    matches(object) {
      return requirements.every((requirement, i) => {
        const equal = valueAt(object, paths[i]!) === requirement.value;
        return requirement.operator === '!=' ? !equal : equal;
      });
    },
    exactValue(field) {
      return requirements.find((r) => r.field === field && r.operator !== '!=')?.value;
    },
  };
}

/** The text value of a dotted path, as a field selector compares it. */
export function fieldValue(object: KubeObject, field: string): string {
  return valueAt(object, field.split('.'));
}

function valueAt(object: KubeObject, path: string[]): string {
  let current: unknown = object;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return '';
    current = Object.hasOwn(current, segment) ? (current as Record<string, unknown>)[segment] : undefined;
  }
  if (typeof current === 'string') return current;
  if (typeof current === 'number' || typeof current === 'boolean') return String(current);
  return '';
}

/** Splits on commas not escaped by a backslash; escapes stay in the terms for unescapeValue. */
function splitTerms(text: string): string[] {
  if (text === '') return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (escaped) escaped = false;
    else if (char === '\\') escaped = true;
    else if (char === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

/** The first operator occurrence splits the term: field names cannot contain escapes. */
function splitTerm(term: string): { field: string; operator: FieldOperator; rawValue: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const operator of OPERATORS) {
      if (term.startsWith(operator, i)) {
        return { field: term.slice(0, i), operator, rawValue: term.slice(i + operator.length) };
      }
    }
  }
  return undefined;
}

function unescapeValue(raw: string): string {
  let value = '';
  let escaped = false;
  for (const char of raw) {
    if (escaped) {
      if (char !== '\\' && char !== ',' && char !== '=') {
        throw errors.badRequest(`invalid field selector: invalid escape sequence: \\${char}`);
      }
      value += char;
      escaped = false;
    } else if (char === '\\') {
      escaped = true;
    } else if (char === ',' || char === '=') {
      throw errors.badRequest(`invalid field selector: unescaped character in value: ${char}`);
    } else {
      value += char;
    }
  }
  if (escaped) throw errors.badRequest('invalid field selector: invalid escape sequence: \\');
  return value;
}
