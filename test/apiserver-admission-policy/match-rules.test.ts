import { describe, expect, it } from 'vitest';
import { matchResources, ruleMatches } from '../../src/apiserver/admission-policy/index.ts';
import type { AdmissionAttributes } from '../../src/apiserver/admission-policy/policy-types.ts';

function request(overrides: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return {
    operation: 'UPDATE',
    group: 'vmsnap.io',
    version: 'v1alpha1',
    kind: 'VirtualMachine',
    resource: 'virtualmachines',
    subresource: '',
    namespaced: true,
    name: 'web-1',
    namespace: 'prod',
    object: { metadata: { name: 'web-1', labels: { tier: 'web' } } },
    oldObject: { metadata: { name: 'web-1', labels: { tier: 'old' } } },
    dryRun: false,
    username: 'someone',
    ...overrides,
  };
}

const vmRule = {
  apiGroups: ['vmsnap.io'],
  apiVersions: ['v1alpha1'],
  operations: ['UPDATE'],
  resources: ['virtualmachines'],
};

describe('resource rules', () => {
  it('match group, version, resource and operation exactly, or through "*"', () => {
    expect(ruleMatches(vmRule, request())).toBe(true);
    expect(ruleMatches(vmRule, request({ operation: 'CREATE' }))).toBe(false);
    expect(ruleMatches(vmRule, request({ group: 'other.io' }))).toBe(false);
    expect(ruleMatches(vmRule, request({ version: 'v1' }))).toBe(false);
    expect(ruleMatches(vmRule, request({ resource: 'vmsnapshots' }))).toBe(false);
    const wild = { apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*'] };
    expect(ruleMatches(wild, request({ group: 'x', operation: 'DELETE', resource: 'things' }))).toBe(true);
  });

  it('keep subresources apart: "x" is the main resource only, "x/status", "x/*" and "*/status" name them', () => {
    const status = request({ subresource: 'status' });
    expect(ruleMatches(vmRule, status)).toBe(false);
    expect(ruleMatches({ ...vmRule, resources: ['*'] }, status)).toBe(false);
    expect(ruleMatches({ ...vmRule, resources: ['virtualmachines/status'] }, status)).toBe(true);
    expect(ruleMatches({ ...vmRule, resources: ['virtualmachines/status'] }, request())).toBe(false);
    expect(ruleMatches({ ...vmRule, resources: ['virtualmachines/*'] }, status)).toBe(true);
    expect(ruleMatches({ ...vmRule, resources: ['virtualmachines/*'] }, request())).toBe(false);
    expect(ruleMatches({ ...vmRule, resources: ['*/status'] }, status)).toBe(true);
    expect(ruleMatches({ ...vmRule, resources: ['*/*'] }, status)).toBe(true);
  });

  it('honour scope and resourceNames', () => {
    expect(ruleMatches({ ...vmRule, scope: 'Namespaced' }, request())).toBe(true);
    expect(ruleMatches({ ...vmRule, scope: 'Cluster' }, request())).toBe(false);
    expect(ruleMatches({ ...vmRule, resourceNames: ['web-2'] }, request())).toBe(false);
    expect(ruleMatches({ ...vmRule, resourceNames: ['web-1'] }, request())).toBe(true);
  });
});

describe('matchResources', () => {
  const labelsOf = (namespace: string): Record<string, string> =>
    namespace === 'prod' ? { env: 'prod' } : {};

  it('requires a matching resourceRule for a policy, not for a binding without rules', () => {
    expect(matchResources({ resourceRules: [vmRule] }, request(), labelsOf, true)).toBe(true);
    expect(matchResources({}, request(), labelsOf, true)).toBe(false);
    expect(matchResources(undefined, request(), labelsOf, false)).toBe(true);
    expect(matchResources({}, request(), labelsOf, false)).toBe(true);
  });

  it('lets excludeResourceRules win over resourceRules', () => {
    const match = {
      resourceRules: [vmRule],
      excludeResourceRules: [{ ...vmRule, resourceNames: ['web-1'] }],
    };
    expect(matchResources(match, request(), labelsOf, true)).toBe(false);
    expect(matchResources(match, request({ name: 'web-2' }), labelsOf, true)).toBe(true);
  });

  it("selects by the namespace's labels; cluster-scoped objects other than namespaces always pass", () => {
    const match = { namespaceSelector: { matchLabels: { env: 'prod' } } };
    expect(matchResources(match, request(), labelsOf, false)).toBe(true);
    expect(matchResources(match, request({ namespace: 'dev' }), labelsOf, false)).toBe(false);
    expect(matchResources(match, request({ namespaced: false, namespace: '' }), labelsOf, false)).toBe(true);
    const namespaceObject = request({
      group: '',
      resource: 'namespaces',
      namespaced: false,
      namespace: '',
      object: { metadata: { labels: { env: 'dev' } } },
      oldObject: undefined,
    });
    expect(matchResources(match, namespaceObject, labelsOf, false)).toBe(false);
  });

  it('selects by the new or the old object labels', () => {
    const select = (tier: string) => ({ objectSelector: { matchLabels: { tier } } });
    expect(matchResources(select('web'), request(), labelsOf, false)).toBe(true);
    expect(matchResources(select('old'), request(), labelsOf, false)).toBe(true);
    expect(matchResources(select('db'), request(), labelsOf, false)).toBe(false);
    expect(matchResources(select('old'), request({ oldObject: undefined }), labelsOf, false)).toBe(false);
  });
});
