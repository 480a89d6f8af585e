import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Manifest, named, only, operatorRoles, REPO, renderDeploy } from './rendered-manifests.ts';

const NAMESPACE = 'vmsnap-system';
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
]);
/** Volume types the "restricted" Pod Security Standard allows. */
const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** Every (group, resource, verb) a set of rules grants, as `group/resource:verb` (resourceNames noted). */
function grants(rules: Rule[]): Set<string> {
  const out = new Set<string>();
  for (const rule of rules) {
    for (const group of rule.apiGroups)
      for (const resource of rule.resources)
        for (const verb of rule.verbs) {
          const named = rule.resourceNames ? `[${[...rule.resourceNames].sort().join(',')}]` : '';
          out.add(`${group}/${resource}${named}:${verb}`);
        }
  }
  return out;
}

describe('deploy/ kustomize base', () => {
  let objects: Manifest[] = [];
  let rendered = false;
  beforeAll(async () => {
    const result = await renderDeploy();
    if (result === undefined) return;
    objects = result.objects;
    rendered = true;
  });

  it('renders offline with the real kubectl into well-formed objects, namespaced ones in vmsnap-system', (ctx) => {
    if (!rendered) ctx.skip();
    const crdFiles = readdirSync(join(REPO, 'crds')).filter((f) => f.endsWith('.yaml'));
    expect(objects.map((o) => o.kind).sort()).toEqual(
      [
        'ClusterRole',
        'ClusterRole',
        'ClusterRole',
        'ClusterRoleBinding',
        ...crdFiles.map(() => 'CustomResourceDefinition'),
        'Deployment',
        'Namespace',
        'PodDisruptionBudget',
        'Role',
        'RoleBinding',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
    for (const o of objects) {
      expect(o.apiVersion, `${o.kind} ${o.metadata?.name}`).toMatch(/^([a-z0-9.-]+\/)?v\d/);
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      expect(o.metadata.labels?.['app.kubernetes.io/part-of'], `${o.kind} ${o.metadata.name}`).toBe('vmsnap');
      if (CLUSTER_SCOPED.has(o.kind)) expect(o.metadata.namespace).toBeUndefined();
      else expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe(NAMESPACE);
    }
    expect(only(objects, 'Namespace').metadata.name).toBe(NAMESPACE);
  });

  it('includes exactly the generated CRDs, through crds/kustomization.yml', (ctx) => {
    if (!rendered) ctx.skip();
    const crdDir = join(REPO, 'crds');
    const files = readdirSync(crdDir).filter((f) => f.endsWith('.yaml'));
    const listed = (load(readFileSync(join(crdDir, 'kustomization.yml'), 'utf8')) as { resources: string[] })
      .resources;
    expect([...listed].sort()).toEqual([...files].sort());
    const names = files.map((f) => (load(readFileSync(join(crdDir, f), 'utf8')) as Manifest).metadata.name);
    expect(
      objects
        .filter((o) => o.kind === 'CustomResourceDefinition')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(names.sort());
  });

  it('runs two replicas with leader election, probes on the health server, and resource bounds', (ctx) => {
    if (!rendered) ctx.skip();
    const deployment = only(objects, 'Deployment');
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    expect(pod.serviceAccountName).toBe(only(objects, 'ServiceAccount').metadata.name);
    expect(pod.containers).toHaveLength(1);
    const container = pod.containers[0];
    expect(container.args).toContain('--leader-elect');
    const env = Object.fromEntries(
      container.env.map((e: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }) => [
        e.name,
        e.valueFrom?.fieldRef?.fieldPath,
      ]),
    );
    expect(env).toMatchObject({ POD_NAME: 'metadata.name', POD_NAMESPACE: 'metadata.namespace' });
    const ports = new Set(container.ports.map((p: { name: string }) => p.name));
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(ports.has(container.livenessProbe.httpGet.port)).toBe(true);
    expect(ports.has(container.readinessProbe.httpGet.port)).toBe(true);
    for (const kind of ['requests', 'limits'] as const) {
      expect(container.resources[kind], kind).toHaveProperty('cpu');
      expect(container.resources[kind], kind).toHaveProperty('memory');
    }
    expect(container.image).toMatch(/^ghcr\.io\/vmsnap\/vmsnap:v\d/);
  });

  it('meets the restricted Pod Security Standard, with a read-only root filesystem', (ctx) => {
    if (!rendered) ctx.skip();
    expect(only(objects, 'Namespace').metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    const pod = only(objects, 'Deployment').spec.template.spec;
    for (const host of ['hostNetwork', 'hostPID', 'hostIPC']) expect(pod[host], host).not.toBe(true);
    for (const volume of pod.volumes ?? []) {
      const types = Object.keys(volume).filter((k) => k !== 'name');
      expect(
        types.every((t) => RESTRICTED_VOLUMES.has(t)),
        `volume ${volume.name}: ${types}`,
      ).toBe(true);
    }
    expect(pod.securityContext.seccompProfile.type).toBe('RuntimeDefault');
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
      const sc = container.securityContext;
      expect(sc.runAsNonRoot ?? pod.securityContext.runAsNonRoot).toBe(true);
      expect(sc.runAsUser ?? pod.securityContext.runAsUser).not.toBe(0);
      expect(sc.allowPrivilegeEscalation).toBe(false);
      expect(sc.readOnlyRootFilesystem).toBe(true);
      expect(sc.privileged).not.toBe(true);
      expect(sc.capabilities.drop).toContain('ALL');
      expect(sc.capabilities.add ?? []).toEqual([]);
      expect(sc.seccompProfile?.type ?? pod.securityContext.seccompProfile.type).toBe('RuntimeDefault');
      const mounts = container.volumeMounts.map((m: { mountPath: string }) => m.mountPath);
      expect(mounts, 'writable /tmp for SSH key files').toContain('/tmp');
    }
  });

  it('exposes metrics through a Service and keeps one replica through disruptions', (ctx) => {
    if (!rendered) ctx.skip();
    const deployment = only(objects, 'Deployment');
    const podLabels = deployment.spec.template.metadata.labels;
    const container = deployment.spec.template.spec.containers[0];
    const service = only(objects, 'Service');
    expect(podLabels).toMatchObject(service.spec.selector);
    const portNames = container.ports.map((p: { name: string }) => p.name);
    expect(portNames).toContain(service.spec.ports[0].targetPort);
    expect(service.spec.ports[0].name).toBe('http-metrics');
    const pdb = only(objects, 'PodDisruptionBudget');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(podLabels).toMatchObject(pdb.spec.selector.matchLabels);
    expect(deployment.spec.selector.matchLabels).toEqual(pdb.spec.selector.matchLabels);
  });

  it('grants least privilege: reads and status writes cluster-wide, Secrets and Leases only in vmsnap-system', (ctx) => {
    if (!rendered) ctx.skip();
    const clusterRole = named(objects, 'ClusterRole', 'vmsnap-operator');
    const role = only(objects, 'Role');
    expect(new Set(operatorRoles(objects))).toEqual(new Set([clusterRole, role]));
    const all = [...clusterRole.rules, ...role.rules] as Rule[];
    for (const rule of all) {
      for (const list of [rule.apiGroups, rule.resources, rule.verbs]) expect(list).not.toContain('*');
    }
    const cluster = grants(clusterRole.rules);
    const kinds = ['hypervisors', 'virtualmachines', 'vmsnapshots', 'vmreverts', 'vmsnapshotschedules'];
    // Guarded status replaces (a racing writer gets Conflict); the others merge-patch their status.
    const updatesStatus = new Set(['virtualmachines', 'vmsnapshotschedules']);
    for (const kind of kinds) {
      for (const verb of ['get', 'list', 'watch']) expect(cluster).toContain(`vmsnap.io/${kind}:${verb}`);
      // The status verbs are exactly the ones the code uses: rbac-usage.test.ts proves it against a real run.
      expect(cluster).toContain(`vmsnap.io/${kind}/status:${updatesStatus.has(kind) ? 'update' : 'patch'}`);
      // Only the VMSnapshotSchedule controller creates and deletes objects: the VMSnapshots of its runs.
      const writes = kind === 'vmsnapshots' ? [] : ['create', 'delete'];
      for (const verb of [...writes, 'deletecollection']) {
        expect(cluster).not.toContain(`vmsnap.io/${kind}:${verb}`);
      }
    }
    for (const verb of ['create', 'delete']) expect(cluster).toContain(`vmsnap.io/vmsnapshots:${verb}`);
    for (const kind of ['vmsnapshots', 'vmreverts']) {
      expect(cluster).toContain(`vmsnap.io/${kind}:patch`);
    }
    // Spec writes only where finalizers live.
    expect(cluster).not.toContain('vmsnap.io/hypervisors:patch');
    expect(cluster).not.toContain('vmsnap.io/virtualmachines:patch');
    expect(cluster).toContain('events.k8s.io/events:create');
    expect(cluster).toContain('events.k8s.io/events:patch');
    const clusterResources = (clusterRole.rules as Rule[]).flatMap((r) => r.resources);
    expect(clusterResources).not.toContain('secrets');
    expect(clusterResources).not.toContain('leases');

    expect(role.metadata.namespace).toBe(NAMESPACE);
    expect(grants(role.rules)).toEqual(
      new Set([
        'coordination.k8s.io/leases:create',
        'coordination.k8s.io/leases[vmsnap-operator]:get',
        'coordination.k8s.io/leases[vmsnap-operator]:update',
        '/secrets:get',
      ]),
    );
    const serviceAccount = only(objects, 'ServiceAccount').metadata.name;
    for (const [binding, roleObject] of [
      [only(objects, 'ClusterRoleBinding'), clusterRole],
      [only(objects, 'RoleBinding'), role],
    ] as const) {
      expect(binding.roleRef).toMatchObject({ kind: roleObject.kind, name: roleObject.metadata.name });
      expect(binding.subjects).toEqual([
        { kind: 'ServiceAccount', name: serviceAccount, namespace: NAMESPACE },
      ]);
    }
  });

  it('aggregates read access into view and write access into edit/admin, for users, bound to nobody', (ctx) => {
    if (!rendered) ctx.skip();
    const view = named(objects, 'ClusterRole', 'vmsnap-view');
    const edit = named(objects, 'ClusterRole', 'vmsnap-edit');
    const aggregate = (role: string) => `rbac.authorization.k8s.io/aggregate-to-${role}`;
    for (const role of ['view', 'edit', 'admin'])
      expect(view.metadata.labels?.[aggregate(role)]).toBe('true');
    for (const role of ['edit', 'admin']) expect(edit.metadata.labels?.[aggregate(role)]).toBe('true');
    expect(edit.metadata.labels?.[aggregate('view')]).toBeUndefined();

    const namespacedKinds = ['virtualmachines', 'vmsnapshots', 'vmreverts', 'vmsnapshotschedules'];
    const viewGrants = grants(view.rules);
    // `kubectl vmsnap tree` reads a VirtualMachine: vmsnap-view alone is enough for it.
    for (const kind of [...namespacedKinds, 'hypervisors']) {
      for (const verb of ['get', 'list', 'watch']) expect(viewGrants).toContain(`vmsnap.io/${kind}:${verb}`);
    }
    expect([...viewGrants].filter((g) => !/:(get|list|watch)$/.test(g))).toEqual([]);
    const editGrants = grants(edit.rules);
    for (const kind of namespacedKinds) {
      for (const verb of ['create', 'update', 'patch', 'delete']) {
        expect(editGrants).toContain(`vmsnap.io/${kind}:${verb}`);
      }
    }
    // Status is the operator's; Hypervisors (cluster-scoped, naming credentials) are cluster administrators'.
    for (const grant of [...viewGrants, ...editGrants]) expect(grant).not.toMatch(/\/status:/);
    expect([...editGrants].filter((g) => g.startsWith('vmsnap.io/hypervisors'))).toEqual([]);
    const bound = objects.filter((o) => o.kind.endsWith('Binding')).map((b) => b.roleRef.name as string);
    expect(bound).not.toContain('vmsnap-view');
    expect(bound).not.toContain('vmsnap-edit');
  });
});
