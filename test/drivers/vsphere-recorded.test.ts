// The vSphere driver on recorded SOAP responses, for what govmomi's simulator cannot show: real vSphere's power
// state after a revert, the quiesce fault without VMware Tools, the server's snapshot-level fault, an expired
// session, refused credentials and missing privileges. See test/support/vsphere/recorded-responses.ts for where
// each response comes from.

import { describe, expect, it } from 'vitest';
import { DriverError } from '../../src/drivers/errors.ts';
import { InMemoryTaskJournal, VsphereDriver } from '../../src/drivers/vsphere/index.ts';
import { encodeVsphereDescription } from '../../src/drivers/vsphere/snapshot-mark.ts';
import {
  fault,
  foundVm,
  login,
  notAuthenticated,
  type RecordedSnapshot,
  ReplayTransport,
  serviceContent,
  taskError,
  taskRunning,
  taskStarted,
  taskSuccess,
  vmProperties,
} from '../support/vsphere/recorded-responses.ts';

const VM = 'vm-57';
const PATH = 'DC0/vm/web-1';
const PASSWORD = 'pa<ss>&"word';
const owner = { uid: 'uid-1', namespace: 'prod', name: 'before-upgrade' };

function driverOn(script: Array<{ method: string; response: string }>, journal?: InMemoryTaskJournal) {
  const transport = new ReplayTransport(script);
  const driver = new VsphereDriver({
    url: 'https://vcenter.example.com/sdk',
    username: 'vmsnap',
    password: PASSWORD,
    transport,
    taskPollMs: 1,
    ...(journal ? { taskJournal: journal } : {}),
  });
  return { driver, transport };
}

const session = [
  { method: 'RetrieveServiceContent', response: serviceContent },
  { method: 'Login', response: login },
  { method: 'FindByInventoryPath', response: foundVm('FindByInventoryPath', VM) },
];

function ownSnapshot(name: string, memory: boolean, state: RecordedSnapshot['state']): RecordedSnapshot {
  return {
    moref: `snapshot-${name}`,
    name,
    description: encodeVsphereDescription({ owner: { ...owner, name }, description: '', memory }, 'Running'),
    state,
  };
}

const vmWith = (power: 'poweredOn' | 'poweredOff' | 'suspended', snap?: RecordedSnapshot) =>
  vmProperties({ vm: VM, name: 'web-1', power, ...(snap ? { roots: [snap], current: snap.moref } : {}) });

async function failure(promise: Promise<unknown>): Promise<DriverError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DriverError);
  return err as DriverError;
}

describe('vSphere driver on recorded responses (real vSphere semantics the simulator lacks)', () => {
  it('revert to a memory snapshot left suspended by suppressPowerOn (not running): the driver powers it on', async () => {
    const snap = ownSnapshot('mem', true, 'poweredOn');
    const { driver, transport } = driverOn([
      ...session,
      { method: 'RetrieveProperties', response: vmWith('poweredOn', snap) },
      { method: 'RevertToSnapshot_Task', response: taskStarted('RevertToSnapshot_Task', 'task-1') },
      { method: 'RetrieveProperties', response: taskSuccess('task-1') },
      { method: 'RetrieveProperties', response: vmWith('suspended', snap) },
      { method: 'PowerOnVM_Task', response: taskStarted('PowerOnVM_Task', 'task-2') },
      { method: 'RetrieveProperties', response: taskSuccess('task-2') },
      { method: 'RetrieveProperties', response: vmWith('poweredOn', snap) },
    ]);
    const after = await driver.revertTo(PATH, 'mem', { finalState: 'Running' });
    expect(after.phase).toBe('Running');
    expect(transport.remaining()).toEqual([]);
    const revert = transport.requests.find((r) => r.method === 'RevertToSnapshot_Task');
    expect(revert?.body).toContain('<_this type="VirtualMachineSnapshot">snapshot-mem</_this>');
    expect(revert?.body).toContain('<suppressPowerOn>true</suppressPowerOn>');
  });

  it('revert to a memory snapshot with finalState Stopped powers the suspended VM off (discarding the memory)', async () => {
    const snap = ownSnapshot('mem', true, 'poweredOn');
    const { driver, transport } = driverOn([
      ...session,
      { method: 'RetrieveProperties', response: vmWith('poweredOn', snap) },
      { method: 'RevertToSnapshot_Task', response: taskStarted('RevertToSnapshot_Task', 'task-1') },
      { method: 'RetrieveProperties', response: taskSuccess('task-1') },
      { method: 'RetrieveProperties', response: vmWith('suspended', snap) },
      { method: 'PowerOffVM_Task', response: taskStarted('PowerOffVM_Task', 'task-2') },
      { method: 'RetrieveProperties', response: taskSuccess('task-2') },
      { method: 'RetrieveProperties', response: vmWith('poweredOff', snap) },
    ]);
    expect((await driver.revertTo(PATH, 'mem', { finalState: 'Stopped' })).phase).toBe('Stopped');
    expect(transport.remaining()).toEqual([]);
  });

  it('revert to a disk-only snapshot: real vSphere leaves the VM off; Running boots it once, Stopped adds nothing', async () => {
    const snap = ownSnapshot('disk', false, 'poweredOff');
    const running = driverOn([
      ...session,
      { method: 'RetrieveProperties', response: vmWith('poweredOn', snap) },
      { method: 'RevertToSnapshot_Task', response: taskStarted('RevertToSnapshot_Task', 'task-1') },
      { method: 'RetrieveProperties', response: taskSuccess('task-1') },
      { method: 'RetrieveProperties', response: vmWith('poweredOff', snap) },
      { method: 'PowerOnVM_Task', response: taskStarted('PowerOnVM_Task', 'task-2') },
      { method: 'RetrieveProperties', response: taskSuccess('task-2') },
      { method: 'RetrieveProperties', response: vmWith('poweredOn', snap) },
    ]);
    expect((await running.driver.revertTo(PATH, 'disk', { finalState: 'Running' })).phase).toBe('Running');
    expect(
      running.transport.requests.filter((r) => r.method.startsWith('Power')).map((r) => r.method),
    ).toEqual(['PowerOnVM_Task']);

    const stopped = driverOn([
      ...session,
      { method: 'RetrieveProperties', response: vmWith('poweredOn', snap) },
      { method: 'RevertToSnapshot_Task', response: taskStarted('RevertToSnapshot_Task', 'task-1') },
      { method: 'RetrieveProperties', response: taskSuccess('task-1') },
      { method: 'RetrieveProperties', response: vmWith('poweredOff', snap) },
      { method: 'RetrieveProperties', response: vmWith('poweredOff', snap) },
    ]);
    expect((await stopped.driver.revertTo(PATH, 'disk', { finalState: 'Stopped' })).phase).toBe('Stopped');
    expect(stopped.transport.remaining()).toEqual([]);
  });

  it('quiesce without VMware Tools: the task fault becomes QuiesceUnavailable and no snapshot is left', async () => {
    const { driver } = driverOn([
      ...session,
      { method: 'RetrieveProperties', response: vmWith('poweredOn') },
      { method: 'CreateSnapshot_Task', response: taskStarted('CreateSnapshot_Task', 'task-9') },
      {
        method: 'RetrieveProperties',
        response: taskError(
          'task-9',
          'ApplicationQuiesceFault',
          'Cannot quiesce this virtual machine because VMware Tools is not currently available.',
        ),
      },
    ]);
    const err = await failure(
      driver.createSnapshot(PATH, { name: 'q', owner, description: '', memory: false, quiesce: true }),
    );
    expect(err.reason).toBe('QuiesceUnavailable');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('VMware Tools is not currently available');
  });

  it("the server's snapshot-level fault becomes SnapshotLimitReached", async () => {
    const { driver } = driverOn([
      ...session,
      { method: 'RetrieveProperties', response: vmWith('poweredOff') },
      { method: 'CreateSnapshot_Task', response: taskStarted('CreateSnapshot_Task', 'task-3') },
      {
        method: 'RetrieveProperties',
        response: taskError(
          'task-3',
          'TooManySnapshotLevels',
          'Exceeded the maximum number of permitted snapshots.',
        ),
      },
    ]);
    const err = await failure(
      driver.createSnapshot(PATH, { name: 'deep', owner, description: '', memory: false, quiesce: false }),
    );
    expect(err.reason).toBe('SnapshotLimitReached');
  });

  it('an expired session (NotAuthenticated fault) logs in once more and repeats the call', async () => {
    const { driver, transport } = driverOn([
      ...session,
      { method: 'RetrieveProperties', response: vmWith('poweredOn') },
      { method: 'RetrieveProperties', response: notAuthenticated },
      { method: 'Login', response: login },
      { method: 'RetrieveProperties', response: vmWith('poweredOff') },
    ]);
    expect((await driver.getDomain(PATH)).phase).toBe('Running');
    expect((await driver.getDomain(PATH)).phase).toBe('Stopped');
    const logins = transport.requests.filter((r) => r.method === 'Login');
    expect(logins).toHaveLength(2);
    // The repeated call carries the new session's cookie, not the expired one.
    const last = transport.requests.at(-1);
    expect(last?.cookie).toBe(`vmware_soap_session=session-${transport.requests.length - 1}`);
  });

  it('refused credentials: AuthenticationFailed naming the user, never the password', async () => {
    const { driver } = driverOn([
      { method: 'RetrieveServiceContent', response: serviceContent },
      {
        method: 'Login',
        // A server that echoes what it was sent: the password must still not reach the error.
        response: fault(
          'InvalidLogin',
          `Cannot complete login for vmsnap with ${PASSWORD.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')}`,
        ),
      },
    ]);
    const err = await failure(driver.probe());
    expect(err.reason).toBe('AuthenticationFailed');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("'vmsnap'");
    expect(err.message).not.toContain(PASSWORD);
    expect(JSON.stringify(err)).not.toContain(PASSWORD);
  });

  it('a missing privilege names the privilege', async () => {
    const snap = ownSnapshot('mem', true, 'poweredOn');
    const { driver } = driverOn([
      ...session,
      { method: 'RetrieveProperties', response: vmWith('poweredOn', snap) },
      {
        method: 'RemoveSnapshot_Task',
        response: fault(
          'NoPermission',
          'Permission to perform this operation was denied.',
          '<object type="VirtualMachineSnapshot">snapshot-mem</object><privilegeId>VirtualMachine.State.RemoveSnapshot</privilegeId>',
        ),
      },
    ]);
    const err = await failure(driver.deleteSnapshot(PATH, 'mem'));
    expect(err.reason).toBe('DriverFailure');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('VirtualMachine.State.RemoveSnapshot');
  });

  it('a retry after a crash mid-task waits for the journalled task instead of starting a second snapshot', async () => {
    const journal = new InMemoryTaskJournal();
    await journal.started({ vm: VM, snapshotName: 'slow', owner, task: 'task-7' });
    const created = ownSnapshot('slow', true, 'poweredOn');
    const { driver, transport } = driverOn(
      [
        ...session,
        { method: 'RetrieveProperties', response: vmWith('poweredOn') },
        { method: 'RetrieveProperties', response: taskRunning('task-7') },
        {
          method: 'RetrieveProperties',
          response: taskSuccess('task-7', { type: 'VirtualMachineSnapshot', value: created.moref }),
        },
        {
          method: 'RetrieveProperties',
          response: vmWith('poweredOn', {
            ...created,
            description: encodeVsphereDescription(
              { owner: { ...owner, name: 'before-upgrade' }, description: '', memory: true },
              'Running',
            ),
          }),
        },
      ],
      journal,
    );
    const snap = await driver.createSnapshot(PATH, {
      name: 'slow',
      owner,
      description: '',
      memory: true,
      quiesce: false,
    });
    expect(snap).toMatchObject({ name: 'slow', owner, memory: true });
    expect(transport.requests.map((r) => r.method)).not.toContain('CreateSnapshot_Task');
    expect(transport.remaining()).toEqual([]);
    expect(await journal.pending(VM, owner.uid)).toBeUndefined();
  });

  it('deleting a snapshot whose journalled create task still runs waits for it and removes what it made', async () => {
    const journal = new InMemoryTaskJournal();
    await journal.started({ vm: VM, snapshotName: 'slow', owner, task: 'task-7' });
    const made = ownSnapshot('slow', false, 'poweredOff');
    const { driver, transport } = driverOn(
      [
        ...session,
        { method: 'RetrieveProperties', response: vmWith('poweredOn') },
        { method: 'RetrieveProperties', response: taskRunning('task-7') },
        {
          method: 'RetrieveProperties',
          response: taskSuccess('task-7', { type: 'VirtualMachineSnapshot', value: made.moref }),
        },
        {
          method: 'RetrieveProperties',
          response: vmWith('poweredOn', {
            ...made,
            description: encodeVsphereDescription({ owner, description: '', memory: false }, 'Running'),
          }),
        },
        { method: 'RemoveSnapshot_Task', response: taskStarted('RemoveSnapshot_Task', 'task-9') },
        { method: 'RetrieveProperties', response: taskSuccess('task-9') },
      ],
      journal,
    );
    expect(await driver.deleteSnapshot(PATH, 'slow', { ownerUid: owner.uid })).toBe(true);
    expect(transport.remaining()).toEqual([]);
    expect(await journal.pending(VM, owner.uid)).toBeUndefined();
  });

  it('a journal that cannot record the task still waits for it before failing (retryable: the retry adopts)', async () => {
    const journal = new InMemoryTaskJournal();
    journal.started = async () => {
      throw new Error('the API server refused the write');
    };
    const made = ownSnapshot('unrecorded', false, 'poweredOff');
    const { driver, transport } = driverOn(
      [
        ...session,
        { method: 'RetrieveProperties', response: vmWith('poweredOff') },
        { method: 'CreateSnapshot_Task', response: taskStarted('CreateSnapshot_Task', 'task-8') },
        { method: 'RetrieveProperties', response: taskRunning('task-8') },
        {
          method: 'RetrieveProperties',
          response: taskSuccess('task-8', { type: 'VirtualMachineSnapshot', value: made.moref }),
        },
      ],
      journal,
    );
    const err = await failure(
      driver.createSnapshot(PATH, {
        name: 'unrecorded',
        owner,
        description: '',
        memory: false,
        quiesce: false,
        mayExist: false,
      }),
    );
    expect(err.reason).toBe('DriverFailure');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('task-8');
    expect(err.message).toContain('the API server refused the write');
    // Both polls were made: the call did not return while the task ran.
    expect(transport.remaining()).toEqual([]);
  });

  it('a graceful stop without VMware Tools is InvalidDomainState telling the caller to force', async () => {
    const { driver } = driverOn([
      ...session,
      { method: 'RetrieveProperties', response: vmWith('poweredOn') },
      {
        method: 'ShutdownGuest',
        response: fault(
          'ToolsUnavailable',
          'Cannot complete operation because VMware Tools is not running in this virtual machine.',
        ),
      },
    ]);
    const err = await failure(driver.stop(PATH, { force: false }));
    expect(err.reason).toBe('InvalidDomainState');
    expect(err.message).toContain('force');
  });

  it('a journalled task the server no longer knows counts as ended: the tree decides, and the snapshot is taken', async () => {
    const journal = new InMemoryTaskJournal();
    await journal.started({ vm: VM, snapshotName: 'late', owner, task: 'task-old' });
    const made = ownSnapshot('late', false, 'poweredOff');
    const { driver, transport } = driverOn(
      [
        ...session,
        { method: 'RetrieveProperties', response: vmWith('poweredOff') },
        {
          method: 'RetrieveProperties',
          response: fault(
            'ManagedObjectNotFound',
            'The object has already been deleted or has not been completely created',
            '<obj type="Task">task-old</obj>',
          ),
        },
        { method: 'RetrieveProperties', response: vmWith('poweredOff') },
        { method: 'CreateSnapshot_Task', response: taskStarted('CreateSnapshot_Task', 'task-8') },
        {
          method: 'RetrieveProperties',
          response: taskSuccess('task-8', { type: 'VirtualMachineSnapshot', value: made.moref }),
        },
        {
          method: 'RetrieveProperties',
          response: vmWith('poweredOff', {
            ...made,
            description: encodeVsphereDescription({ owner, description: '', memory: false }, 'Stopped'),
          }),
        },
      ],
      journal,
    );
    const snap = await driver.createSnapshot(PATH, {
      name: 'late',
      owner,
      description: '',
      memory: false,
      quiesce: false,
    });
    expect(snap).toMatchObject({ name: 'late', owner, memory: false, vmPhase: 'Stopped' });
    expect(transport.remaining()).toEqual([]);
    expect(await journal.pending(VM, owner.uid)).toBeUndefined();
  });
});
