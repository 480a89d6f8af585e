import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../src/apiserver/admission-policy/index.ts';
import type { AdmissionAttributes, PolicySpec } from '../../src/apiserver/admission-policy/policy-types.ts';

const attributes: AdmissionAttributes = {
  operation: 'CREATE',
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  resource: 'configmaps',
  subresource: '',
  namespaced: true,
  name: 'settings',
  namespace: 'default',
  object: { metadata: { name: 'settings' }, data: { a: '1', b: '2' } },
  oldObject: undefined,
  dryRun: false,
  username: 'alice',
};

const policy = (spec: Partial<PolicySpec>): PolicySpec => ({
  matchConstraints: { resourceRules: [] },
  ...spec,
});

describe('evaluatePolicy', () => {
  it('passes when every validation is true, and reports each failed one with its reason (default Invalid)', () => {
    expect(
      evaluatePolicy(policy({ validations: [{ expression: 'size(object.data) == 2' }] }), attributes),
    ).toEqual([]);
    expect(
      evaluatePolicy(
        policy({
          validations: [
            { expression: 'size(object.data) < 2' },
            { expression: 'false', message: 'static message', reason: 'Forbidden' },
          ],
        }),
        attributes,
      ),
    ).toEqual([
      { message: 'failed expression: size(object.data) < 2', reason: 'Invalid' },
      { message: 'static message', reason: 'Forbidden' },
    ]);
  });

  it('words the message with messageExpression, falling back to message when it errors or is empty', () => {
    const failing = (messageExpression: string) =>
      evaluatePolicy(
        policy({ validations: [{ expression: 'false', message: 'fallback', messageExpression }] }),
        attributes,
      )[0]?.message;
    expect(failing("'user ' + request.userInfo.username + ' may not ' + request.operation")).toBe(
      'user alice may not CREATE',
    );
    expect(failing('object.missing.field')).toBe('fallback');
    expect(failing("''")).toBe('fallback');
  });

  it('evaluates variables in order, each seeing the ones before it', () => {
    const result = evaluatePolicy(
      policy({
        variables: [
          { name: 'keys', expression: 'size(object.data)' },
          { name: 'tooMany', expression: 'variables.keys > 1' },
        ],
        validations: [
          { expression: '!variables.tooMany', messageExpression: "'has ' + string(variables.keys)" },
        ],
      }),
      attributes,
    );
    expect(result).toEqual([{ message: 'has 2', reason: 'Invalid' }]);
  });

  it('skips the policy when a matchCondition is false', () => {
    const spec = (condition: string) =>
      policy({
        matchConditions: [{ name: 'only-alice', expression: condition }],
        validations: [{ expression: 'false' }],
      });
    expect(evaluatePolicy(spec("request.userInfo.username == 'bob'"), attributes)).toEqual([]);
    expect(evaluatePolicy(spec("request.userInfo.username == 'alice'"), attributes)).toHaveLength(1);
  });

  it('turns an evaluation error into a violation under failurePolicy Fail (the default) and admits under Ignore', () => {
    const broken = { validations: [{ expression: 'object.nothing.here == 1' }] };
    const failed = evaluatePolicy(policy(broken), attributes);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.message).toMatch(/^expression 'object\.nothing\.here == 1' resulted in error: /);
    expect(evaluatePolicy(policy({ ...broken, failurePolicy: 'Ignore' }), attributes)).toEqual([]);
  });

  it('fails only the expressions that read a variable whose evaluation failed', () => {
    const result = evaluatePolicy(
      policy({
        variables: [{ name: 'broken', expression: 'object.nothing.here' }],
        validations: [{ expression: 'true' }, { expression: 'variables.broken == 1' }],
      }),
      attributes,
    );
    expect(result).toHaveLength(1);
    expect(result[0]?.message).toContain("expression 'variables.broken == 1' resulted in error");
  });

  it('sees oldObject as null on CREATE', () => {
    const result = evaluatePolicy(policy({ validations: [{ expression: 'oldObject == null' }] }), attributes);
    expect(result).toEqual([]);
  });
});
