// Issue 5 item 6: every step the operator carries out is one JSON line naming the object (kind, namespace, name,
// uid) and the hypervisor, so one operation can be followed by uid and one host's trouble found by its name.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiObject, VM_REVERTS } from '../../src/controllers/shared/resources.ts';
import { eventually } from '../support/client-node.ts';
import { NAMESPACE, OperatorEnv, statusOf } from './support/operator-env.ts';

interface LogLine {
  level: number;
  msg: string;
  step?: string;
  controller?: string;
  object?: { kind?: string; namespace?: string; name?: string; uid?: string };
  hypervisor?: string;
  [field: string]: unknown;
}

describe('step logs of the operator', () => {
  let env: OperatorEnv;
  /** Every line the operator logged, as written: one JSON document per line. */
  const written: string[] = [];

  beforeAll(async () => {
    env = await OperatorEnv.start();
    env.sim('kvm-log').defineDomain({ name: 'app-1', phase: 'Running' });
    env.sim('kvm-log').defineDomain({ name: 'app-2', phase: 'Running' });
    // An in-memory destination: pino writes each line with one write() call.
    const logger = pino({ name: 'vmsnap', level: 'info' }, { write: (line: string) => written.push(line) });
    await env.startOperator({ logger });
    await env.createHypervisor('kvm-log');
    await env.createVm('app-1', { hypervisorName: 'kvm-log', domain: 'app-1' });
  });

  afterAll(async () => {
    await env?.stop();
  });

  function lines(): LogLine[] {
    return written.flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((l) => JSON.parse(l) as LogLine);
  }

  it('logs each snapshot and revert step with kind, namespace, name, uid and hypervisor', async () => {
    const snapshot = await env.createSnapshot('logged-snap', { vmName: 'app-1', memory: true });
    await eventually(
      async () => (statusOf(await env.getSnapshot('logged-snap')).phase === 'Ready' ? true : undefined),
      'snapshot Ready',
    );
    const revert = await env.client.create(VM_REVERTS, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'VMRevert',
      metadata: { name: 'logged-revert', namespace: NAMESPACE },
      spec: { snapshotName: 'logged-snap' },
    } as ApiObject);
    await eventually(async () => {
      const obj = await env.client.find(VM_REVERTS, { namespace: NAMESPACE, name: 'logged-revert' });
      return statusOf(obj).phase === 'Succeeded' && (obj?.metadata.finalizers ?? []).length === 0
        ? true
        : undefined;
    }, 'revert Succeeded, its finalizer removed');

    const all = lines();
    const snapshotSteps = all.filter((l) => l.msg === 'snapshot step');
    const revertSteps = all.filter((l) => l.msg === 'revert step');
    // The steps the happy paths go through (decide.ts in each controller), each on its own line.
    expect(snapshotSteps.map((l) => l.step)).toEqual(
      expect.arrayContaining(['AddFinalizer', 'TakeHold', 'Create', 'Finish']),
    );
    expect(revertSteps.map((l) => l.step)).toEqual(
      expect.arrayContaining(['Plan', 'TakeHold', 'RunStep', 'Succeed']),
    );
    expect(revertSteps.find((l) => l.step === 'RunStep')?.revertStep).toBe('RevertTo');
    // Steps that only write API objects are chained in one reconcile (vmrevert/reconciler.ts): Plan and
    // AddFinalizer share a reconcileID, and so do TakeHold and the driver step (a guarded TakeHold that meets a
    // VM written in between, 409, is retried by the next reconcile, which then goes on the same way); Finish,
    // Succeed and RemoveFinalizer share another. Each of them runs once.
    const reconcileOf = (step: string) =>
      revertSteps.filter((l) => l.step === step).map((l) => l.reconcileID);
    for (const step of ['Plan', 'AddFinalizer', 'RunStep', 'Finish', 'Succeed', 'RemoveFinalizer']) {
      expect(reconcileOf(step), step).toHaveLength(1);
    }
    expect(reconcileOf('AddFinalizer')).toEqual(reconcileOf('Plan'));
    expect(reconcileOf('TakeHold').at(-1)).toBe(reconcileOf('RunStep')[0]);
    const [finished] = reconcileOf('Finish');
    expect(finished).not.toBe(reconcileOf('RunStep')[0]);
    for (const step of ['Succeed', 'RemoveFinalizer']) expect(reconcileOf(step), step).toEqual([finished]);

    const expectNamed = (line: LogLine, kind: string, name: string, uid: string | undefined) => {
      expect(line.object).toEqual({ kind, namespace: NAMESPACE, name, uid });
      expect(line.hypervisor).toBe('kvm-log');
      expect(line.level).toBe(30); // info: what the default level shows
    };
    for (const line of snapshotSteps) expectNamed(line, 'VMSnapshot', 'logged-snap', snapshot.metadata.uid);
    for (const line of revertSteps) expectNamed(line, 'VMRevert', 'logged-revert', revert.metadata.uid);

    // What a step logs while it runs carries the same fields (one child logger per reconcile).
    const holdLines = all.filter((l) => l.msg === 'took the VM hold');
    expect(holdLines.map((l) => l.object?.kind).sort()).toEqual(['VMRevert', 'VMSnapshot']);
    for (const line of holdLines) expect(line.hypervisor).toBe('kvm-log');

    // The logger's own name is not shadowed by the object's (JSON.parse keeps the last of duplicated keys).
    for (const line of [...snapshotSteps, ...revertSteps]) expect(line.name).toBe('vmsnap');
  });

  it('logs a VirtualMachine power step the same way, and its routine observations only at debug', async () => {
    const vm = await env.createVm('app-2', {
      hypervisorName: 'kvm-log',
      domain: 'app-2',
      powerState: 'Stopped',
    });
    await eventually(
      async () => (statusOf(await env.getVm('app-2')).phase === 'Stopped' ? true : undefined),
      'VM stopped',
    );
    const vmSteps = lines().filter((l) => l.msg === 'virtual machine step' && l.object?.name === 'app-2');
    expect(vmSteps.map((l) => l.step)).toContain('PowerOff');
    for (const line of vmSteps) {
      expect(line.object).toEqual({
        kind: 'VirtualMachine',
        namespace: NAMESPACE,
        name: 'app-2',
        uid: vm.metadata.uid,
      });
      expect(line.hypervisor).toBe('kvm-log');
    }
    expect(lines().filter((l) => l.msg === 'virtual machine step' && l.step === 'Observe')).toEqual([]);
  });
});
