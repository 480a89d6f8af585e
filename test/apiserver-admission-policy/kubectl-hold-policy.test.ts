// deploy/admission's policy, applied with real kubectl to an embedded control plane serving vmsnap's CRDs: the
// control plane must answer a power change of a held VirtualMachine exactly as a cluster running the policy would.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds } from '../../src/operator/install-crds.ts';
import { KubeClient } from '../../src/runtime/kube-client.ts';
import { kubeConfigFor } from '../support/client-node.ts';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { findKubectl, Kubectl } from '../support/kubectl.ts';

const POLICY_FILE = fileURLToPath(
  new URL('../../deploy/admission/hold-protects-power-state.yaml', import.meta.url),
);
const POLICY = 'vmsnap-hold-protects-power-state';
const VMS = { group: 'vmsnap.io', version: 'v1alpha1', plural: 'virtualmachines', namespaced: true };
const HOLD = {
  operation: 'RevertTo',
  holder: { kind: 'VMRevert', name: 'rollback-upgrade', uid: 'u-1' },
  since: '2026-11-24T10:00:00Z',
};
const VM_YAML = `apiVersion: vmsnap.io/v1alpha1
kind: VirtualMachine
metadata:
  name: web-1
  namespace: prod
spec:
  hypervisorName: kvm-01
  domain: web-1
  powerState: Running
`;

describe('deploy/admission hold policy in the embedded control plane (kubectl)', () => {
  const binary = findKubectl('1.33');
  let cp: TestControlPlane;
  let kubectl: Kubectl;
  /** The operator's client: it writes status through the status subresource. */
  let operator: KubeClient;
  const patchPowerState = (powerState: string) =>
    kubectl.run([
      'patch',
      'virtualmachine',
      'web-1',
      '-n',
      'prod',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { powerState } }),
    ]);
  const livePowerState = async () =>
    JSON.parse(await kubectl.ok(['get', 'virtualmachine', 'web-1', '-n', 'prod', '-o', 'json'])).spec
      .powerState;

  beforeAll(async () => {
    if (!binary) return;
    cp = await startTestControlPlane();
    kubectl = await Kubectl.create(binary, cp.kubeconfigPath);
    operator = new KubeClient(kubeConfigFor(cp), { fieldManager: 'vmsnap-operator' });
    await installCrds(operator);
  });
  afterAll(async () => {
    await kubectl?.dispose();
    await cp?.stop();
  });

  it.skipIf(!binary)('applies the policy and its binding like any cluster-scoped kind', async () => {
    const applied = await kubectl.ok(['apply', '-f', POLICY_FILE]);
    expect(applied).toContain(`validatingadmissionpolicy.admissionregistration.k8s.io/${POLICY} created`);
    expect(applied).toContain(
      `validatingadmissionpolicybinding.admissionregistration.k8s.io/${POLICY} created`,
    );
    expect(await kubectl.ok(['apply', '-f', POLICY_FILE])).toContain(
      `validatingadmissionpolicy.admissionregistration.k8s.io/${POLICY} unchanged`,
    );
    expect(await kubectl.ok(['get', 'validatingadmissionpolicybindings'])).toMatch(
      new RegExp(`^${POLICY}\\s+${POLICY}\\s+<unset>\\s+\\S+$`, 'm'),
    );
    await kubectl.ok(['create', 'namespace', 'prod']);
    await kubectl.ok(['apply', '-f', '-'], { input: VM_YAML });
  });

  it.skipIf(!binary)('admits a power change while nothing holds the VM', async () => {
    const result = await patchPowerState('Stopped');
    expect(result.code, result.stderr).toBe(0);
    expect(await livePowerState()).toBe('Stopped');
  });

  it.skipIf(!binary)(
    "lets the operator's status writes through, and then rejects a power change naming the holder",
    async () => {
      await operator.patchStatus(
        VMS,
        { namespace: 'prod', name: 'web-1' },
        {
          type: 'merge',
          body: { status: { phase: 'Stopped', hold: HOLD } },
        },
      );
      const rejected = await patchPowerState('Running');
      expect(rejected.code).not.toBe(0);
      expect(rejected.stderr.trim()).toBe(
        `Error from server (Forbidden): virtualmachines.vmsnap.io "web-1" is forbidden: ValidatingAdmissionPolicy '${POLICY}' with binding '${POLICY}' denied request: spec.powerState cannot change while VirtualMachine "web-1" is held by VMRevert "rollback-upgrade" (RevertTo since 2026-11-24T10:00:00Z); apply it again once that operation has finished`,
      );
      expect(await livePowerState()).toBe('Stopped');

      // Other spec changes are not the policy's business.
      const other = await kubectl.run([
        'patch',
        'virtualmachine',
        'web-1',
        '-n',
        'prod',
        '--type=merge',
        '-p',
        '{"spec":{"maxSnapshots":5}}',
      ]);
      expect(other.code, other.stderr).toBe(0);
    },
  );

  it.skipIf(!binary)('admits the change again once the operator released the hold', async () => {
    await operator.patchStatus(
      VMS,
      { namespace: 'prod', name: 'web-1' },
      {
        type: 'merge',
        body: { status: { hold: null } },
      },
    );
    const result = await patchPowerState('Running');
    expect(result.code, result.stderr).toBe(0);
    expect(await livePowerState()).toBe('Running');
  });
});
