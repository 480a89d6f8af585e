import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/apiserver/errors.ts';
import { EVERYTHING, NOTHING, parseLabelSelector } from '../../src/apiserver/query/label-selector.ts';
import { labelSelectorFromObject } from '../../src/apiserver/query/label-selector-object.ts';

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(400);
    expect((error as ApiError).reason).toBe('BadRequest');
    return (error as ApiError).message;
  }
  throw new Error('expected a 400 BadRequest');
}

const web = { app: 'web', tier: 'front', replicas: '3' };
const db = { app: 'db', tier: 'back' };
const bare = {};

function selects(selector: string): string[] {
  const matcher = parseLabelSelector(selector);
  return Object.entries({ web, db, bare })
    .filter(([, labels]) => matcher.matches(labels))
    .map(([name]) => name);
}

describe('parseLabelSelector', () => {
  it.each([
    ['', ['web', 'db', 'bare']],
    ['app=web', ['web']],
    ['app==web', ['web']],
    ['app!=web', ['db', 'bare']],
    ['app in (web,db)', ['web', 'db']],
    ['app notin (web)', ['db', 'bare']],
    ['tier', ['web', 'db']],
    ['!tier', ['bare']],
    ['app=web,tier=front', ['web']],
    ['app=web,tier=back', []],
    [' app = web , ! replicas ', []],
    ['replicas>2', ['web']],
    ['replicas<3', []],
    ['tier in (front,back),!replicas', ['db']],
    ['app in ()', []],
    ['example.com/role', []],
  ])('%j selects %j', (selector, expected) => {
    expect(selects(selector)).toEqual(expected);
  });

  it('treats `in` and `notin` as plain words where a key or value is expected', () => {
    const matcher = parseLabelSelector('in in (in,notin),notin=in');
    expect(matcher.matches({ in: 'notin', notin: 'in' })).toBe(true);
    expect(matcher.matches({ in: 'x', notin: 'in' })).toBe(false);
  });

  it('matches the empty value for `a=` and for empty slots in a set', () => {
    expect(parseLabelSelector('a=').matches({ a: '' })).toBe(true);
    expect(parseLabelSelector('a in (x,)').matches({ a: '' })).toBe(true);
    expect(parseLabelSelector('a in (x,)').matches({ a: 'y' })).toBe(false);
  });

  it('prints the canonical form, sorted by key, which parses back to the same requirements', () => {
    const matcher = parseLabelSelector('z notin (b,a), !y, app==web, x>5');
    expect(matcher.toString()).toBe('app==web,x>5,!y,z notin (a,b)');
    expect(parseLabelSelector(matcher.toString()).requirements).toEqual(matcher.requirements);
  });

  it.each([
    ['app=web,', "found '', expected: identifier after ','"],
    ['=web', "found '=', expected: !, identifier, or 'end of string'"],
    ['app web', "unable to parse requirement: found 'web', expected: in, notin, =, ==, !=, gt, lt"],
    ['app in web', "unable to parse requirement: found 'web' expected: '('"],
    ['app in (web', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['app in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['app=web)', "found ')', expected: ',' or 'end of string'"],
    ['!app=web', "found '=', expected: ',' or 'end of string'"],
    ['app==(web)', "unable to parse requirement: found '(', expected: identifier"],
  ])('rejects %j with kube parser message %j', (selector, message) => {
    expect(badRequest(() => parseLabelSelector(selector))).toBe(message);
  });

  it('validates keys and values with the label rules', () => {
    expect(badRequest(() => parseLabelSelector('-app=web'))).toMatch(
      /^unable to parse requirement: key: Invalid value: "-app": name part must consist of alphanumeric/,
    );
    expect(badRequest(() => parseLabelSelector('Bad_Prefix/app'))).toContain(
      'prefix part a lowercase RFC 1123',
    );
    expect(badRequest(() => parseLabelSelector(`app=${'v'.repeat(64)}`))).toContain(
      'must be no more than 63 characters',
    );
    expect(badRequest(() => parseLabelSelector('replicas>three'))).toContain(
      "for 'Gt', 'Lt' operators, the value must be an integer",
    );
  });
});

describe('labelSelectorFromObject', () => {
  it('ANDs matchLabels and matchExpressions', () => {
    const matcher = labelSelectorFromObject({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['front', 'edge'] },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    });
    expect(matcher.matches(web)).toBe(true);
    expect(matcher.matches({ ...web, legacy: 'yes' })).toBe(false);
    expect(matcher.matches(db)).toBe(false);
    expect(matcher.toString()).toBe('app=web,!legacy,tier in (edge,front)');
  });

  it('gives the same answers as the equivalent string selector', () => {
    const fromObject = labelSelectorFromObject({
      matchExpressions: [
        { key: 'app', operator: 'NotIn', values: ['db'] },
        { key: 'tier', operator: 'Exists' },
      ],
    });
    const fromText = parseLabelSelector('app notin (db),tier');
    for (const labels of [web, db, bare]) expect(fromObject.matches(labels)).toBe(fromText.matches(labels));
  });

  it('selects nothing for an absent selector and everything for an empty one', () => {
    expect(labelSelectorFromObject(undefined)).toBe(NOTHING);
    expect(NOTHING.matches(web)).toBe(false);
    expect(labelSelectorFromObject({})).toBe(EVERYTHING);
    expect(EVERYTHING.matches(bare)).toBe(true);
  });

  it('names every bad field in one 400', () => {
    const message = badRequest(() =>
      labelSelectorFromObject({
        matchLabels: { app: 'not valid' },
        matchExpressions: [
          { key: 'tier', operator: 'Equals' as 'In', values: ['x'] },
          { key: 'zone', operator: 'In', values: [] },
          { key: 'gpu', operator: 'Exists', values: ['yes'] },
        ],
      }),
    );
    expect(message).toContain('matchLabels["app"].values[0]: Invalid value: "not valid"');
    expect(message).toContain('matchExpressions[0].operator: Unsupported value: "Equals"');
    expect(message).toContain("matchExpressions[1].values: Invalid value: []: for 'in', 'notin' operators");
    expect(message).toContain('matchExpressions[2].values: Invalid value: ["yes"]: values set must be empty');
  });
});
