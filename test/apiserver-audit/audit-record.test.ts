// The control plane's audit sink: every resource request is reported once, with the verb RBAC would check
// (derived from method, name and watch like kube-apiserver's RequestInfo), group, resource, subresource,
// namespace, name, user agent and status, whether or not the request succeeded. Non-resource paths are not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/apiserver/audit/audit-record.ts';
import { eventually } from '../support/client-node.ts';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { httpsRequest } from '../support/https.ts';

describe('control plane audit sink', () => {
  let controlPlane: TestControlPlane;
  const records: AuditRecord[] = [];

  beforeAll(async () => {
    controlPlane = await startTestControlPlane({ audit: (record) => records.push(record) });
  });
  afterAll(async () => {
    await controlPlane?.stop();
  });

  const call = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const before = records.length;
    const response = await httpsRequest(controlPlane, path, {
      method,
      token: controlPlane.token,
      headers: { 'User-Agent': 'audit-test/1.0', 'Content-Type': contentType },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      response,
      record: await eventually(() => records[before], `the audit record of ${method} ${path}`),
    };
  };

  it('reports each verb as RBAC names it, with the request attributes', async () => {
    const cm = (name: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name },
      data: { a: '1' },
    });
    const base = '/api/v1/namespaces/default/configmaps';
    const cases: Array<[string, string, unknown, Partial<AuditRecord>]> = [
      ['POST', base, cm('one'), { verb: 'create', name: undefined, code: 201 }],
      ['GET', `${base}/one`, undefined, { verb: 'get', name: 'one', code: 200 }],
      ['GET', `${base}/missing`, undefined, { verb: 'get', name: 'missing', code: 404 }],
      ['GET', base, undefined, { verb: 'list', name: undefined }],
      ['PUT', `${base}/one`, cm('one'), { verb: 'update', name: 'one' }],
      ['PATCH', `${base}/one`, { data: { b: '2' } }, { verb: 'patch', name: 'one' }],
      ['DELETE', `${base}/one`, undefined, { verb: 'delete', name: 'one' }],
      ['DELETE', base, undefined, { verb: 'deletecollection', name: undefined }],
    ];
    for (const [method, path, body, expected] of cases) {
      const { record } = await call(
        method,
        path,
        body,
        method === 'PATCH' ? 'application/merge-patch+json' : undefined,
      );
      expect(record, `${method} ${path}`).toMatchObject({
        group: '',
        resource: 'configmaps',
        subresource: undefined,
        namespace: 'default',
        userAgent: 'audit-test/1.0',
        ...expected,
      });
    }
  });

  it('names groups, subresources, cluster scope and watches', async () => {
    const { record: status } = await call(
      'GET',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x.y.z/status',
    );
    expect(status).toMatchObject({
      verb: 'get',
      group: 'apiextensions.k8s.io',
      resource: 'customresourcedefinitions',
      subresource: 'status',
      namespace: undefined,
      name: 'x.y.z',
      code: 404,
    });
    const { record: watch } = await call('GET', '/api/v1/namespaces?watch=true&timeoutSeconds=1');
    expect(watch).toMatchObject({ verb: 'watch', resource: 'namespaces', namespace: undefined, code: 200 });
    const { record: leases } = await call('GET', '/apis/coordination.k8s.io/v1/leases');
    expect(leases).toMatchObject({ verb: 'list', group: 'coordination.k8s.io', namespace: undefined });
  });

  it('leaves out requests that name no resource', async () => {
    const before = records.length;
    for (const path of ['/version', '/apis', '/api/v1', '/openapi/v3', '/healthz']) {
      await httpsRequest(controlPlane, path, { token: controlPlane.token });
    }
    // A resource request afterwards is the next record: nothing was reported for the paths above.
    const { record } = await call('GET', '/api/v1/namespaces');
    expect(records.length).toBe(before + 1);
    expect(record).toMatchObject({ verb: 'list', resource: 'namespaces' });
  });
});
