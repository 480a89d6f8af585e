// vSphere end to end through the operator: govmomi's simulator (vcsim) behind the REAL driver factory, the
// operator in-process against the embedded control plane, and real kubectl applying what a user would apply.
// The snapshot tree and power state are read straight from vcsim over SOAP (a driver of the test's own), not
// through vmsnap. The tests run in order on one VM (snapshots, reverts, deletes), then on extra Hypervisors (wrong
// password, untrusted certificate, skipped verification). kill -9 mid-task: vsphere-crash.test.ts.

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServingPki } from '../../src/apiserver/tls/pki.ts';
import { parseSnapshotTree, type SnapshotNode } from '../../src/drivers/vsphere/snapshot-tree.ts';
import { type MoRef, text } from '../../src/drivers/vsphere/soap-xml.ts';
import { readProperties } from '../../src/drivers/vsphere/vim-calls.ts';
import { VsphereDriver } from '../../src/drivers/vsphere/vsphere-driver.ts';
import { OperatorEnv } from '../controllers/support/operator-env.ts';
import { eventually } from '../support/client-node.ts';
import { findKubectl, Kubectl } from '../support/kubectl.ts';
import { makeTempDir, removeTempDir } from '../support/temp-dir.ts';
import { requireVcsim, startVcsim, type Vcsim, vcsimBinary } from '../support/vsphere/vcsim.ts';
import { createSnapshotByHand, vmByName } from '../support/vsphere/vim-lab.ts';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

const available = await requireVcsim('vSphere through the operator');
// Built during collection, outside any hook's time limit (a cold build takes 20-60 s on two busy cores).
if (available) await vcsimBinary();
const kubectlBinary = findKubectl('1.33');

const VM_NAME = 'DC0_H0_VM0';
const SNAPSHOTS = 'vmsnapshots.vmsnap.io';
const WAIT = { timeoutMs: 100_000 };
/** A test's limit, above the kubectl waits inside it (vitest's default of 60 s is below them). */
const KUBECTL_WAITS = { timeout: 120_000 };
// Distinctive, with XML and shell metacharacters, so any leak into status, events or logs is unmistakable.
const WRONG_PASSWORD = `Wr0ng-<&>"pw-${Math.random().toString(16).slice(2)}`;

function manifest(kind: string, name: string, spec: Record<string, unknown>, namespace?: string): string {
  return JSON.stringify({
    apiVersion: 'vmsnap.io/v1alpha1',
    kind,
    metadata: namespace ? { name, namespace } : { name },
    spec,
  });
}

function secretManifest(name: string, data: Record<string, string>): string {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')]),
  );
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'vmsnap-system' },
    type: 'Opaque',
    data: encoded,
  });
}

describe.skipIf(!available || !kubectlBinary)('vSphere through the operator, driven with kubectl', () => {
  let sim: Vcsim;
  let env: OperatorEnv;
  let kubectl: Kubectl;
  /** The test's own view of vcsim, independent of the operator's driver instance. */
  let lab: VsphereDriver;
  let vm: MoRef;
  const logLines: string[] = [];

  const apply = (input: string) => kubectl.ok(['apply', '-f', '-'], { input });
  const getJson = async (...args: string[]) =>
    JSON.parse(await kubectl.ok(['get', ...args, '-o', 'json'])) as {
      metadata: { uid: string };
      status: Record<string, unknown>;
    };
  const tree = async (): Promise<SnapshotNode[]> =>
    parseSnapshotTree((await readProperties(lab.client, vm, ['snapshot'])).get('snapshot')).nodes;
  const takeSnapshot = async (name: string, spec: Record<string, unknown>) => {
    await apply(manifest('VMSnapshot', name, { vmName: 'web-1', ...spec }, 'default'));
    await kubectl.ok(['wait', '--for=condition=Ready', `${SNAPSHOTS}/${name}`, '--timeout=90s'], WAIT);
    return getJson(`${SNAPSHOTS}/${name}`);
  };
  /** Polls the Hypervisor until condition `type` satisfies `accept` (kubectl wait cannot match on reasons). */
  const eventuallyCondition = (hypervisor: string, type: string, accept: (c: Condition) => boolean) =>
    eventually(
      async () => {
        const status = (await getJson(`hypervisors.vmsnap.io/${hypervisor}`)).status;
        const found = (status.conditions as Condition[] | undefined)?.find((c) => c.type === type);
        return found && accept(found) ? found : undefined;
      },
      `Hypervisor ${hypervisor} condition ${type}`,
      60_000,
    );
  const deleteSnapshot = (name: string) =>
    kubectl.ok(['delete', `${SNAPSHOTS}/${name}`, '--wait=true', '--timeout=90s'], WAIT);

  beforeAll(async () => {
    sim = await startVcsim({ machines: 1 });
    lab = new VsphereDriver({
      url: sim.url,
      username: sim.username,
      password: sim.password,
      ca: sim.caPem,
      taskPollMs: 5,
    });
    vm = await vmByName(lab.client, VM_NAME);
    await lab.start(VM_NAME);
    env = await OperatorEnv.start();
    await env.startOperator({
      logger: pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }),
    });
    kubectl = await Kubectl.create(kubectlBinary!, env.controlPlane.kubeconfigPath);
    await kubectl.ok(['create', 'namespace', 'vmsnap-system']);
    await apply(
      secretManifest('vcsim-creds', { username: sim.username, password: sim.password, 'ca.crt': sim.caPem }),
    );
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
    await kubectl?.dispose();
    await lab?.close();
    await sim?.stop();
  });

  it('brings a vsphere Hypervisor to Ready with the version the server reports', KUBECTL_WAITS, async () => {
    await apply(
      manifest('Hypervisor', 'vcsim', {
        driver: 'vsphere',
        uri: sim.url,
        credentialsSecretRef: { namespace: 'vmsnap-system', name: 'vcsim-creds' },
      }),
    );
    await kubectl.ok(['wait', '--for=condition=Ready', 'hypervisors.vmsnap.io/vcsim', '--timeout=60s'], WAIT);
    const fullName = (await lab.client.serviceContent()).fullName;
    expect(fullName).not.toBe('');
    expect((await getJson('hypervisors.vmsnap.io/vcsim')).status.version).toBe(fullName);
  });

  it('binds a VirtualMachine by inventory path and observes it Running', KUBECTL_WAITS, async () => {
    await apply(
      manifest(
        'VirtualMachine',
        'web-1',
        { hypervisorName: 'vcsim', domain: `DC0/vm/${VM_NAME}` },
        'default',
      ),
    );
    await kubectl.ok(
      ['wait', '--for=condition=Ready', 'virtualmachines.vmsnap.io/web-1', '--timeout=60s'],
      WAIT,
    );
    const status = (await getJson('virtualmachines.vmsnap.io/web-1', '-n', 'default')).status;
    expect(status.phase).toBe('Running');
    expect(status.domainUUID).toBe((await lab.getDomain(VM_NAME)).uuid);
  });

  it(
    'takes a memory snapshot that lands in the vSphere tree with its identity in the description',
    KUBECTL_WAITS,
    async () => {
      const first = await takeSnapshot('first', { memory: true, description: 'before <upgrade> & co' });
      expect(first.status).toMatchObject({
        phase: 'Ready',
        readyToUse: true,
        memory: true,
        vmPhase: 'Running',
      });
      const node = (await tree()).find((n) => n.name === first.status.snapshotName);
      expect(node, `snapshot ${first.status.snapshotName} in the vSphere tree`).toBeDefined();
      expect(node?.state).toBe('poweredOn');
      expect(node?.description).toContain(first.metadata.uid);
      expect(node?.description).toContain('before <upgrade> & co');
    },
  );

  it("records the first snapshot as the second one's parent", KUBECTL_WAITS, async () => {
    const second = await takeSnapshot('second', { memory: false, deletionPolicy: 'Retain' });
    expect(second.status.parent).toBe('first');
    const nodes = await tree();
    const parentNode = nodes.find((n) => n.name === second.status.snapshotName)?.parent;
    const first = await getJson(`${SNAPSHOTS}/first`);
    expect(nodes.find((n) => parentNode && n.moref.value === parentNode.value)?.name).toBe(
      first.status.snapshotName,
    );
  });

  it('reverts the VM to the memory snapshot', KUBECTL_WAITS, async () => {
    await apply(manifest('VMRevert', 'back-to-first', { snapshotName: 'first' }, 'default'));
    await kubectl.ok(
      [
        'wait',
        '--for=jsonpath={.status.phase}=Succeeded',
        'vmreverts.vmsnap.io/back-to-first',
        '--timeout=90s',
      ],
      WAIT,
    );
    const revert = await getJson('vmreverts.vmsnap.io/back-to-first');
    expect(revert.status).toMatchObject({ vmName: 'web-1', fromPhase: 'Running', toPhase: 'Running' });
    expect(revert.status.steps).toEqual(['RevertTo']);
    expect((await lab.getDomain(VM_NAME)).phase).toBe('Running');
  });

  it(
    'reverts the running VM to the disk-only snapshot: StopVM, RevertTo, and the VM ends powered off',
    KUBECTL_WAITS,
    async () => {
      expect((await lab.getDomain(VM_NAME)).phase).toBe('Running');
      await apply(
        manifest(
          'VMRevert',
          'back-to-second',
          { snapshotName: 'second', allowPowerChange: true, startAfterRevert: false },
          'default',
        ),
      );
      await kubectl.ok(
        [
          'wait',
          '--for=jsonpath={.status.phase}=Succeeded',
          'vmreverts.vmsnap.io/back-to-second',
          '--timeout=90s',
        ],
        WAIT,
      );
      const revert = await getJson('vmreverts.vmsnap.io/back-to-second');
      expect(revert.status).toMatchObject({ vmName: 'web-1', fromPhase: 'Running', toPhase: 'Stopped' });
      expect(revert.status.steps).toEqual(['StopVM', 'RevertTo']);
      expect(revert.status.completedSteps).toEqual(['StopVM', 'RevertTo']);
      // What the simulator itself reports, read past vmsnap: powered off, at the disk-only snapshot.
      const power = (await readProperties(lab.client, vm, ['runtime.powerState'])).get('runtime.powerState');
      expect(text(power)).toBe('poweredOff');
      const { snapshotName } = (await getJson(`${SNAPSHOTS}/second`)).status;
      const current = parseSnapshotTree((await readProperties(lab.client, vm, ['snapshot'])).get('snapshot'));
      expect(
        current.nodes.find((n) => current.current && n.moref.value === current.current.value)?.name,
      ).toBe(snapshotName);
      await kubectl.ok(
        [
          'wait',
          '--for=jsonpath={.status.phase}=Stopped',
          'virtualmachines.vmsnap.io/web-1',
          '--timeout=60s',
        ],
        WAIT,
      );
    },
  );

  // Runs before any test removes the VM's current snapshot: once the current snapshot (with a child) is removed,
  // vcsim (govmomi's simulator) drops the connection on every later read of the VM's snapshot property
  // (ECONNRESET), a simulator defect real vSphere does not have (it makes the parent current).
  it(
    "leaves another tool's snapshot of the same name alone when deleting its own",
    KUBECTL_WAITS,
    async () => {
      const own = await takeSnapshot('third', { memory: false });
      const name = String(own.status.snapshotName);
      const foreign = await createSnapshotByHand(lab.client, vm, name, 'made by another backup tool');
      await deleteSnapshot('third');
      const left = (await tree()).filter((n) => n.name === name);
      expect(left.map((n) => n.moref.value)).toEqual([foreign.value]);
      expect(left[0]?.description).toBe('made by another backup tool');
    },
  );

  it(
    'keeps the vSphere snapshot of a Retain VMSnapshot when the object is deleted',
    KUBECTL_WAITS,
    async () => {
      const { snapshotName } = (await getJson(`${SNAPSHOTS}/second`)).status;
      await deleteSnapshot('second');
      expect((await tree()).map((n) => n.name)).toContain(snapshotName);
    },
  );

  it(
    'removes the vSphere snapshot of a Delete VMSnapshot when the object is deleted',
    KUBECTL_WAITS,
    async () => {
      const { snapshotName } = (await getJson(`${SNAPSHOTS}/first`)).status;
      await deleteSnapshot('first');
      expect((await tree()).map((n) => n.name)).not.toContain(snapshotName);
    },
  );

  it(
    'reports a wrong password as AuthenticationFailed without repeating it anywhere',
    KUBECTL_WAITS,
    async () => {
      await apply(
        secretManifest('vcsim-wrong', {
          username: sim.username,
          password: WRONG_PASSWORD,
          'ca.crt': sim.caPem,
        }),
      );
      await apply(
        manifest('Hypervisor', 'vcsim-wrong', {
          driver: 'vsphere',
          uri: sim.url,
          credentialsSecretRef: { namespace: 'vmsnap-system', name: 'vcsim-wrong' },
        }),
      );
      await kubectl.ok(
        ['wait', '--for=condition=Ready=False', 'hypervisors.vmsnap.io/vcsim-wrong', '--timeout=60s'],
        WAIT,
      );
      const hypervisor = await getJson('hypervisors.vmsnap.io/vcsim-wrong');
      const conditions = hypervisor.status.conditions as Array<{ type: string; reason: string }>;
      expect(conditions.find((c) => c.type === 'Ready')?.reason, JSON.stringify(hypervisor.status)).toBe(
        'AuthenticationFailed',
      );

      const statuses = await kubectl.ok(['get', 'hypervisors.vmsnap.io', '-o', 'json']);
      const events = await kubectl.ok(['get', 'events', '-A', '-o', 'json']);
      expect(logLines.length).toBeGreaterThan(0);
      for (const [where, textSeen] of [
        ['Hypervisor status', statuses],
        ['events', events],
        ['operator log', logLines.join('')],
      ] as const) {
        for (const secret of [WRONG_PASSWORD, JSON.stringify(WRONG_PASSWORD).slice(1, -1), sim.password]) {
          expect(textSeen.includes(secret), `password in ${where}`).toBe(false);
        }
      }
    },
  );

  it(
    'reports a certificate signed by another CA as TLSVerificationFailed naming the host',
    KUBECTL_WAITS,
    async () => {
      const otherCa = await makeTempDir('other-ca');
      try {
        const { caCertPem } = await ensureServingPki(otherCa);
        await apply(
          secretManifest('vcsim-other-ca', {
            username: sim.username,
            password: sim.password,
            'ca.crt': caCertPem,
          }),
        );
      } finally {
        await removeTempDir(otherCa);
      }
      await apply(
        manifest('Hypervisor', 'vcsim-untrusted', {
          driver: 'vsphere',
          uri: sim.url,
          credentialsSecretRef: { namespace: 'vmsnap-system', name: 'vcsim-other-ca' },
        }),
      );
      await kubectl.ok(
        ['wait', '--for=condition=Ready=False', 'hypervisors.vmsnap.io/vcsim-untrusted', '--timeout=60s'],
        WAIT,
      );
      const ready = await eventuallyCondition('vcsim-untrusted', 'Ready', (c) => c.reason !== 'Progressing');
      expect(ready.reason, ready.message).toBe('TLSVerificationFailed');
      expect(ready.message).toContain(new URL(sim.url).host);
    },
  );

  it(
    'connects without verifying only when spec.insecureSkipTLSVerify says so, and warns with TLSVerified=False',
    KUBECTL_WAITS,
    async () => {
      await apply(secretManifest('vcsim-no-ca', { username: sim.username, password: sim.password }));
      await apply(
        manifest('Hypervisor', 'vcsim-insecure', {
          driver: 'vsphere',
          uri: sim.url,
          credentialsSecretRef: { namespace: 'vmsnap-system', name: 'vcsim-no-ca' },
          insecureSkipTLSVerify: true,
        }),
      );
      for (const condition of ['Ready', 'TLSVerified=False']) {
        await kubectl.ok(
          ['wait', `--for=condition=${condition}`, 'hypervisors.vmsnap.io/vcsim-insecure', '--timeout=60s'],
          WAIT,
        );
      }
      const warning = await eventuallyCondition('vcsim-insecure', 'TLSVerified', () => true);
      expect(warning).toMatchObject({ status: 'False', reason: 'TLSVerificationSkipped' });
      expect(warning.message).toContain(sim.url);

      // Turning verification back on (no ca.crt: the system CAs do not know vcsim) clears the warning and fails.
      await kubectl.ok([
        'patch',
        'hypervisors.vmsnap.io/vcsim-insecure',
        '--type=merge',
        '-p',
        '{"spec":{"insecureSkipTLSVerify":false}}',
      ]);
      const ready = await eventuallyCondition(
        'vcsim-insecure',
        'Ready',
        (c) => c.status === 'False' && c.reason === 'TLSVerificationFailed',
      );
      expect(ready.message).toContain(new URL(sim.url).host);
      const conditions = (await getJson('hypervisors.vmsnap.io/vcsim-insecure')).status
        .conditions as Condition[];
      expect(conditions.map((c) => c.type)).not.toContain('TLSVerified');
    },
  );
});
