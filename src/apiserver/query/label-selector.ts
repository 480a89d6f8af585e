import { errors } from '../errors.ts';
import {
  type LabelOperator,
  type LabelRequirement,
  type Labels,
  requirementMatches,
  requirementProblems,
  requirementText,
} from './label-requirement.ts';

export type { LabelOperator, LabelRequirement, Labels } from './label-requirement.ts';

/** A compiled label selector: every requirement must hold. */
export interface LabelMatcher {
  /** Sorted by key. Empty for a selector that selects everything (and for NOTHING). */
  readonly requirements: readonly LabelRequirement[];
  matches(labels: Labels | undefined): boolean;
  /** Kubernetes' canonical text (`app=web,tier in (a,b)`): parses back to the same matcher. */
  toString(): string;
}

export function matcherOf(requirements: LabelRequirement[]): LabelMatcher {
  const sorted = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    requirements: sorted,
    matches: (labels) => sorted.every((requirement) => requirementMatches(requirement, labels)),
    toString: () => sorted.map(requirementText).join(','),
  };
}

/** Selects everything: the empty selector, `labelSelector=` or none at all. */
export const EVERYTHING: LabelMatcher = matcherOf([]);

/** Selects nothing: what a nil metav1.LabelSelector means in Kubernetes. */
export const NOTHING: LabelMatcher = { requirements: [], matches: () => false, toString: () => '' };

/**
 * Parses a selector in Kubernetes' string syntax: comma-joined `k=v`, `k==v`, `k!=v`, `k in (a,b)`,
 * `k notin (a)`, `k`, `!k`, `k>5`, `k<5`. Throws ApiError 400 BadRequest with kube's parser message
 * (`unable to parse requirement: found '', expected: identifier`).
 */
export function parseLabelSelector(text: string): LabelMatcher {
  return matcherOf(new Parser(lex(text)).parse());
}

type TokenKind =
  | 'end'
  | 'identifier'
  | 'in'
  | 'notin'
  | '('
  | ')'
  | ','
  | '!'
  | '='
  | '=='
  | '!='
  | '>'
  | '<';

interface Token {
  kind: TokenKind;
  text: string;
}

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (true) {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
    if (i >= text.length) break;
    const char = text[i]!;
    if (SPECIAL.has(char)) {
      const pair = text.slice(i, i + 2);
      const symbol = pair === '==' || pair === '!=' ? pair : char;
      tokens.push({ kind: symbol as TokenKind, text: symbol });
      i += symbol.length;
      continue;
    }
    const start = i;
    while (i < text.length && !SPECIAL.has(text[i]!) && !WHITESPACE.has(text[i]!)) i++;
    const word = text.slice(start, i);
    tokens.push({ kind: word === 'in' || word === 'notin' ? word : 'identifier', text: word });
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

/** Thrown inside a requirement; parse() adds kube's `unable to parse requirement: ` prefix. */
class RequirementError extends Error {}

const BINARY_OPERATORS: Partial<Record<TokenKind, LabelOperator>> = {
  in: 'in',
  notin: 'notin',
  '=': '=',
  '==': '==',
  '!=': '!=',
  '>': 'gt',
  '<': 'lt',
};

/**
 * A recursive-descent parser with Kubernetes' grammar and messages. Where a value is expected, `in` and
 * `notin` are plain words (a label may have the value "in"), hence the `asValue` lookups.
 */
class Parser {
  readonly #tokens: Token[];
  #position = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    while (true) {
      const next = this.#peek(true);
      if (next.kind === 'end') return requirements;
      if (next.kind !== 'identifier' && next.kind !== '!') {
        throw errors.badRequest(`found '${next.text}', expected: !, identifier, or 'end of string'`);
      }
      try {
        requirements.push(this.#requirement());
      } catch (error) {
        if (error instanceof RequirementError) {
          throw errors.badRequest(`unable to parse requirement: ${error.message}`);
        }
        throw error;
      }
      const after = this.#take(true);
      if (after.kind === 'end') return requirements;
      if (after.kind !== ',')
        throw errors.badRequest(`found '${after.text}', expected: ',' or 'end of string'`);
      const following = this.#peek(true);
      if (following.kind !== 'identifier' && following.kind !== '!') {
        throw errors.badRequest(`found '${following.text}', expected: identifier after ','`);
      }
    }
  }

  #requirement(): LabelRequirement {
    let token = this.#take(true);
    const negated = token.kind === '!';
    if (negated) token = this.#take(true);
    if (token.kind !== 'identifier')
      throw new RequirementError(`found '${token.text}', expected: identifier`);
    const key = token.text;
    const lookahead = this.#peek(true).kind;
    if (negated || lookahead === 'end' || lookahead === ',') {
      return this.#validated({ key, operator: negated ? '!' : 'exists', values: [] });
    }
    const operatorToken = this.#take(false);
    const operator = BINARY_OPERATORS[operatorToken.kind];
    if (!operator) {
      throw new RequirementError(`found '${operatorToken.text}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    const values = operator === 'in' || operator === 'notin' ? this.#valueSet() : [this.#exactValue()];
    return this.#validated({ key, operator, values });
  }

  #validated(requirement: LabelRequirement): LabelRequirement {
    const problems = requirementProblems(requirement);
    if (problems.length === 1) throw new RequirementError(problems[0]);
    if (problems.length > 1) throw new RequirementError(`[${problems.join(', ')}]`);
    return requirement;
  }

  /** `(a,b)`; empty slots (`()`, `(a,)`, `(,a)`) stand for the empty value, as in Kubernetes. */
  #valueSet(): string[] {
    const open = this.#take(true);
    if (open.kind !== '(') throw new RequirementError(`found '${open.text}' expected: '('`);
    const values = new Set<string>();
    let first = this.#peek(true);
    if (first.kind === ')') {
      this.#take(true);
      return [''];
    }
    if (first.kind !== 'identifier' && first.kind !== ',') {
      throw new RequirementError(`found '${first.text}', expected: ',', ')' or identifier`);
    }
    while (true) {
      first = this.#take(true);
      if (first.kind === 'identifier') {
        values.add(first.text);
        const next = this.#peek(true);
        if (next.kind === ')') break;
        if (next.kind !== ',') throw new RequirementError(`found '${next.text}', expected: ',' or ')'`);
      } else if (first.kind === ',') {
        const next = this.#peek(true);
        if (values.size === 0 || next.kind === ')' || next.kind === ',') values.add('');
        if (next.kind === ')') break;
      } else {
        throw new RequirementError(`found '${first.text}', expected: ',', or identifier`);
      }
    }
    this.#take(true);
    return [...values].sort();
  }

  /** The value after `=`, `!=`, `>`...; nothing before `,` or the end means the empty value. */
  #exactValue(): string {
    const next = this.#peek(true);
    if (next.kind === 'end' || next.kind === ',') return '';
    const token = this.#take(true);
    if (token.kind !== 'identifier')
      throw new RequirementError(`found '${token.text}', expected: identifier`);
    return token.text;
  }

  #peek(asValue: boolean): Token {
    return asWord(this.#tokens[this.#position]!, asValue);
  }

  #take(asValue: boolean): Token {
    const token = this.#tokens[this.#position]!;
    if (token.kind !== 'end') this.#position++;
    return asWord(token, asValue);
  }
}

function asWord(token: Token, asValue: boolean): Token {
  return asValue && (token.kind === 'in' || token.kind === 'notin')
    ? { kind: 'identifier', text: token.text }
    : token;
}
