// deploy/admission/hold-protects-power-state.yaml: the ValidatingAdmissionPolicy's CEL, evaluated the way the
// API server evaluates it (variables first, then each validation with object, oldObject and variables), as a fast
// unit check of the expressions. The policy applied to the embedded control plane and exercised with real kubectl
// is in test/apiserver-admission-policy/kubectl-hold-policy.test.ts.
import { readFileSync } from 'node:fs';
import { Environment } from '@marcbachmann/cel-js';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';

interface Policy {
  kind: string;
  spec: {
    matchConstraints: { resourceRules: Array<{ resources: string[]; operations: string[] }> };
    variables: Array<{ name: string; expression: string }>;
    validations: Array<{ expression: string; messageExpression: string; reason: string }>;
    policyName?: string;
    validationActions?: string[];
  };
}

const documents = loadAll(
  readFileSync(new URL('../../deploy/admission/hold-protects-power-state.yaml', import.meta.url), 'utf8'),
) as Policy[];
const policy = documents.find((d) => d.kind === 'ValidatingAdmissionPolicy');
const binding = documents.find((d) => d.kind === 'ValidatingAdmissionPolicyBinding');

const env = new Environment()
  .registerVariable('object', 'dyn')
  .registerVariable('oldObject', 'dyn')
  .registerVariable('variables', 'dyn');

/** undefined: admitted; otherwise the denial message. */
function admit(oldObject: object, object: object): string | undefined {
  if (!policy) throw new Error('no ValidatingAdmissionPolicy in the file');
  const variables: Record<string, unknown> = {};
  for (const v of policy.spec.variables) {
    variables[v.name] = env.evaluate(v.expression, { object, oldObject, variables });
  }
  for (const rule of policy.spec.validations) {
    if (env.evaluate(rule.expression, { object, oldObject, variables }) !== true) {
      return String(env.evaluate(rule.messageExpression, { object, oldObject, variables }));
    }
  }
  return undefined;
}

const hold = {
  operation: 'RevertTo',
  holder: { kind: 'VMRevert', name: 'rollback-upgrade', uid: 'u-1' },
  since: '2026-11-24T10:00:00Z',
};

function vm(spec: Record<string, unknown>, status: Record<string, unknown> = { phase: 'Running' }) {
  return {
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'VirtualMachine',
    metadata: { name: 'web-1', namespace: 'prod' },
    spec: { hypervisorName: 'kvm-01', domain: 'web-1', ...spec },
    status,
  };
}

describe('ValidatingAdmissionPolicy: spec.powerState is frozen while the VM is held', () => {
  it('matches updates of the VirtualMachine itself only (status writes go through the status subresource)', () => {
    expect(policy?.spec.matchConstraints.resourceRules).toEqual([
      expect.objectContaining({ resources: ['virtualmachines'], operations: ['UPDATE'] }),
    ]);
    expect(binding?.spec).toMatchObject({
      policyName: 'vmsnap-hold-protects-power-state',
      validationActions: ['Deny'],
    });
  });

  it.each([
    ['Running', 'Stopped'],
    [undefined, 'Running'],
    ['Stopped', undefined],
  ])('rejects %s -> %s while held, naming the holder', (before, after) => {
    const message = admit(
      vm(before ? { powerState: before } : {}, { phase: 'Running', hold }),
      vm(after ? { powerState: after } : {}, { phase: 'Running', hold }),
    );
    expect(message).toBe(
      'spec.powerState cannot change while VirtualMachine "web-1" is held by VMRevert "rollback-upgrade" (RevertTo since 2026-11-24T10:00:00Z); apply it again once that operation has finished',
    );
  });

  it('admits the same power state and other spec changes while held', () => {
    const held = { phase: 'Running', hold };
    expect(
      admit(vm({ powerState: 'Running' }, held), vm({ powerState: 'Running', maxSnapshots: 5 }, held)),
    ).toBeUndefined();
    expect(admit(vm({}, held), vm({ maxSnapshots: 5 }, held))).toBeUndefined();
  });

  it('admits power state changes when nothing holds the VM, or before it was ever observed', () => {
    expect(admit(vm({ powerState: 'Running' }), vm({ powerState: 'Stopped' }))).toBeUndefined();
    const { status: _none, ...unobserved } = vm({});
    expect(admit(unobserved, vm({ powerState: 'Running' }))).toBeUndefined();
  });
});
