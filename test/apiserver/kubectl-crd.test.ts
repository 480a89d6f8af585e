import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { findKubectl, KUBECTL_VERSIONS, Kubectl } from '../support/kubectl.ts';
import { SPROCKETS_CRD_PATH, sprocketYaml } from './fixtures/sprockets.ts';

// One control plane per kubectl version: each run starts from an empty store, as a user's first session would.
describe.each([...KUBECTL_VERSIONS, 'dispatcher'])('kubectl %s with a CRD', (version) => {
  const binary = findKubectl(version);
  let cp: TestControlPlane;
  let kubectl: Kubectl;
  const apply = (manifest: string, ...flags: string[]) =>
    kubectl.run(['apply', ...flags, '-f', '-'], { input: manifest });

  beforeAll(async () => {
    if (!binary) return;
    cp = await startTestControlPlane();
    kubectl = await Kubectl.create(binary, cp.kubeconfigPath);
  });
  afterAll(async () => {
    await kubectl?.dispose();
    await cp?.stop();
  });

  it.skipIf(!binary)('applies the CRD and waits until it is Established', async () => {
    expect(await kubectl.ok(['apply', '-f', SPROCKETS_CRD_PATH])).toContain(
      'customresourcedefinition.apiextensions.k8s.io/sprockets.e2e.vmsnap.io created',
    );
    expect(
      await kubectl.ok([
        'wait',
        '--for=condition=Established',
        'crd/sprockets.e2e.vmsnap.io',
        '--timeout=20s',
      ]),
    ).toContain('condition met');
    expect(await kubectl.ok(['api-resources', '--api-group=e2e.vmsnap.io'])).toMatch(
      /^sprockets\s+spr\s+e2e\.vmsnap\.io\/v1\s+true\s+Sprocket$/m,
    );
  });

  it.skipIf(!binary)('client-side applies a custom resource, then re-applies a change', async () => {
    const created = await apply(sprocketYaml('s1', { size: 3, color: 'red' }));
    expect(created.stdout + created.stderr).toContain('sprocket.e2e.vmsnap.io/s1 created');
    const configured = await apply(sprocketYaml('s1', { size: 5, color: 'red' }));
    expect(configured.stdout + configured.stderr).toContain('sprocket.e2e.vmsnap.io/s1 configured');

    const live = JSON.parse(await kubectl.ok(['get', 'sprocket', 's1', '-o', 'json']));
    expect(live.spec).toEqual({ size: 5, color: 'red' });
    expect(live.metadata.generation).toBe(2);
    expect(live.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain(
      '"size":5',
    );
  });

  it.skipIf(!binary)('server-side applies a custom resource', async () => {
    const first = await apply(sprocketYaml('s2', { size: 2, color: 'green' }), '--server-side');
    expect(first.stdout + first.stderr).toContain('sprocket.e2e.vmsnap.io/s2 serverside-applied');
    await apply(sprocketYaml('s2', { size: 4, color: 'green' }), '--server-side');
    const live = JSON.parse(
      await kubectl.ok(['get', 'sprocket', 's2', '-o', 'json', '--show-managed-fields']),
    );
    expect(live.spec.size).toBe(4);
    expect(live.metadata.managedFields).toContainEqual(
      expect.objectContaining({ manager: 'kubectl', operation: 'Apply' }),
    );
  });

  it.skipIf(!binary)('prints the printer columns in get', async () => {
    const out = await kubectl.ok(['get', 'sprockets']);
    expect(out).toMatch(/^NAME\s+SIZE\s+COLOR\s+READY\s+AGE$/m);
    // READY is empty: s1 has no status yet.
    expect(out).toMatch(/^s1\s+5\s+red\s+\d+[smhd]$/m);
  });

  it.skipIf(!binary)('explains the custom resource from its published schema', async () => {
    const out = await kubectl.ok(['explain', 'sprocket.spec']);
    expect(out).toMatch(/^KIND:\s+Sprocket$/m);
    expect(out).toMatch(/^\s+size\s+<integer> -required-$/m);
    expect(out).toMatch(/^\s+color\s+<string>$/m);
  });

  it.skipIf(!binary)('stores nothing with --dry-run=server', async () => {
    const dry = await apply(sprocketYaml('s3', { size: 1, color: 'blue' }), '--dry-run=server');
    expect(dry.stdout + dry.stderr).toContain('sprocket.e2e.vmsnap.io/s3 created (server dry run)');
    const get = await kubectl.run(['get', 'sprocket', 's3']);
    expect(get.code).not.toBe(0);
    expect(get.stderr).toContain('sprockets.e2e.vmsnap.io "s3" not found');
  });

  it.skipIf(!binary)("rejects an unknown field with kube's strict decoding error", async () => {
    const result = await apply(sprocketYaml('s4', { size: 1, bogus: true }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('strict decoding error: unknown field "spec.bogus"');
  });

  it.skipIf(!binary)("rejects schema violations with kube's field errors", async () => {
    const tooBig = await apply(sprocketYaml('s5', { size: 11 }));
    expect(tooBig.code).not.toBe(0);
    expect(tooBig.stderr).toContain(
      'spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10',
    );

    const notInEnum = await apply(sprocketYaml('s5', { size: 1, color: 'purple' }));
    expect(notInEnum.stderr).toContain(
      'spec.color: Unsupported value: "purple": supported values: "red", "green", "blue"',
    );

    const immutable = await apply(sprocketYaml('s1', { size: 5, color: 'blue' }));
    expect(immutable.code).not.toBe(0);
    expect(immutable.stderr).toContain('color is immutable');
    expect(JSON.parse(await kubectl.ok(['get', 'sprocket', 's1', '-o', 'json'])).spec.color).toBe('red');
  });

  it.skipIf(!binary)('deleting the CRD stops serving the type and removes its objects', async () => {
    expect(await kubectl.ok(['delete', 'crd', 'sprockets.e2e.vmsnap.io'])).toContain('deleted');
    const get = await kubectl.run(['get', 'sprockets']);
    expect(get.code).not.toBe(0);
    // Depending on whether kubectl's discovery cache still lists the type, it fails in discovery or on the list.
    expect(get.stderr).toMatch(
      /the server doesn't have a resource type "sprockets"|the server could not find the requested resource/,
    );
    const stored = cp.store.list('e2e.vmsnap.io/sprockets').items;
    expect(stored).toEqual([]);
  });
});
