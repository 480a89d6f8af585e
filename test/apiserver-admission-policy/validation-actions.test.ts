// Policies and bindings are ordinary API objects here: created over HTTP and enforced on the next write of any
// resource (ConfigMaps: the engine knows nothing of the kind). Raw HTTPS so the status code, the Status body
// and the Warning header are asserted as a client receives them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { httpsRequest, type RawResponse } from '../support/https.ts';

const ADMISSION = '/apis/admissionregistration.k8s.io/v1';
const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';

describe('ValidatingAdmissionPolicy validationActions over HTTP', () => {
  let cp: TestControlPlane;
  const send = (method: string, path: string, body?: unknown): Promise<RawResponse> =>
    httpsRequest(cp, path, {
      method,
      token: cp.token,
      headers: { 'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const configMap = (name: string, data: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name },
    data,
  });
  const bind = async (name: string, policyName: string, validationActions: string[], extra = {}) => {
    const created = await send('POST', `${ADMISSION}/validatingadmissionpolicybindings`, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name },
      spec: { policyName, validationActions, ...extra },
    });
    expect(created.status, created.body).toBe(201);
  };
  const unbind = async (name: string) => {
    const deleted = await send('DELETE', `${ADMISSION}/validatingadmissionpolicybindings/${name}`);
    expect(deleted.status, deleted.body).toBe(200);
  };

  beforeAll(async () => {
    cp = await startTestControlPlane();
    const created = await send('POST', `${ADMISSION}/validatingadmissionpolicies`, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'small-configmaps' },
      spec: {
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: [''],
              apiVersions: ['v1'],
              operations: ['CREATE', 'UPDATE'],
              resources: ['configmaps'],
            },
          ],
        },
        validations: [
          {
            expression: 'size(object.data) <= 1',
            messageExpression:
              "'configmap ' + object.metadata.name + ' has ' + string(size(object.data)) + ' keys'",
            reason: 'Forbidden',
          },
          { expression: "!('secret' in object.data)" },
        ],
      },
    });
    expect(created.status, created.body).toBe(201);
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('admits everything while no binding names the policy', async () => {
    expect((await send('POST', CONFIGMAPS, configMap('unbound', { a: '1', b: '2' }))).status).toBe(201);
  });

  it("Deny: rejects with kube's Status, the validation's reason and code, and stores nothing", async () => {
    await bind('deny-big', 'small-configmaps', ['Deny']);
    const denied = await send('POST', CONFIGMAPS, configMap('big', { a: '1', b: '2' }));
    expect(denied.status).toBe(403);
    const message =
      "ValidatingAdmissionPolicy 'small-configmaps' with binding 'deny-big' denied request: configmap big has 2 keys";
    expect(JSON.parse(denied.body)).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Forbidden',
      code: 403,
      message: `configmaps "big" is forbidden: ${message}`,
      details: { name: 'big', kind: 'configmaps', causes: [{ message }] },
    });
    expect((await send('GET', `${CONFIGMAPS}/big`)).status).toBe(404);

    // Without a reason the denial is 422 Invalid with kube's default message.
    const invalid = await send('POST', CONFIGMAPS, configMap('leaky', { secret: 'x' }));
    expect(invalid.status).toBe(422);
    expect(JSON.parse(invalid.body)).toMatchObject({
      reason: 'Invalid',
      message: `configmaps "leaky" is forbidden: ValidatingAdmissionPolicy 'small-configmaps' with binding 'deny-big' denied request: failed expression: !('secret' in object.data)`,
    });

    // Updates are checked too; a compliant write passes.
    expect((await send('POST', CONFIGMAPS, configMap('small', { a: '1' }))).status).toBe(201);
    expect((await send('PATCH', `${CONFIGMAPS}/small`, { data: { b: '2' } })).status).toBe(403);
    await unbind('deny-big');
  });

  it('Warn: admits the write and returns one Warning header per failed validation', async () => {
    await bind('warn-big', 'small-configmaps', ['Warn']);
    const warned = await send('POST', CONFIGMAPS, configMap('warned', { a: '1', secret: 'x' }));
    expect(warned.status).toBe(201);
    const header = [warned.headers.warning ?? []].flat().join('\n');
    expect(header).toContain(
      "Validation failed for ValidatingAdmissionPolicy 'small-configmaps' with binding 'warn-big': configmap warned has 2 keys",
    );
    expect(header).toContain(
      "Validation failed for ValidatingAdmissionPolicy 'small-configmaps' with binding 'warn-big': failed expression: !('secret' in object.data)",
    );
    await unbind('warn-big');
  });

  it('Audit: admits the write silently', async () => {
    await bind('audit-big', 'small-configmaps', ['Audit']);
    const audited = await send('POST', CONFIGMAPS, configMap('audited', { a: '1', b: '2' }));
    expect(audited.status).toBe(201);
    expect(audited.headers.warning).toBeUndefined();
    await unbind('audit-big');
  });

  it("a binding's matchResources narrows the policy (objectSelector)", async () => {
    await bind('deny-labelled', 'small-configmaps', ['Deny'], {
      matchResources: { objectSelector: { matchLabels: { checked: 'yes' } } },
    });
    const unlabelled = await send('POST', CONFIGMAPS, configMap('free', { a: '1', b: '2' }));
    expect(unlabelled.status).toBe(201);
    const labelled = configMap('checked', { a: '1', b: '2' });
    const denied = await send('POST', CONFIGMAPS, {
      ...labelled,
      metadata: { name: 'checked', labels: { checked: 'yes' } },
    });
    expect(denied.status).toBe(403);
    await unbind('deny-labelled');
  });

  it('refuses a policy whose expression does not compile and a binding with both Deny and Warn (422)', async () => {
    const policy = await send('POST', `${ADMISSION}/validatingadmissionpolicies`, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'broken' },
      spec: {
        matchConstraints: {
          resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*'] }],
        },
        validations: [{ expression: 'object.(' }],
      },
    });
    expect(policy.status).toBe(422);
    expect(JSON.parse(policy.body).message).toContain(
      'spec.validations[0].expression: Invalid value: "object.("',
    );
    const binding = await send('POST', `${ADMISSION}/validatingadmissionpolicybindings`, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'both' },
      spec: { policyName: 'small-configmaps', validationActions: ['Deny', 'Warn'] },
    });
    expect(binding.status).toBe(422);
    expect(JSON.parse(binding.body).message).toContain('spec.validationActions');
  });
});
