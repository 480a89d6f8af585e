import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRecorder } from '../../src/runtime/events.ts';
import { type ApiServerEnv, startApiServerEnv } from './api-server-env.ts';
import { FakeClock } from './fake-clock.ts';
import { WIDGETS, type Widget, widget } from './fixtures/widget-crd.ts';

describe('EventRecorder against the embedded API server', () => {
  let env: ApiServerEnv;
  beforeAll(async () => {
    env = await startApiServerEnv();
  });
  afterAll(async () => {
    await env?.stop();
  });

  const recorder = (clock: FakeClock, burst = 25) =>
    new EventRecorder({
      client: env.client,
      logger: pino({ level: 'silent' }),
      reportingInstance: 'test-host',
      clock,
      burst,
      refillEveryMs: 60_000,
    });
  const eventsAbout = async (obj: Widget) =>
    (await env.client.listEvents('default')).items.filter((e) => e.regarding?.uid === obj.metadata.uid);

  it('writes an events.k8s.io/v1 Event regarding the object', async () => {
    const obj = await env.client.create<Widget>(WIDGETS, widget('ev-a'));
    await recorder(new FakeClock()).normal(obj, 'SnapshotCreated', 'CreateSnapshot', 'took vs-1 in 2s');
    const [event, ...rest] = await eventsAbout(obj);
    expect(rest).toHaveLength(0);
    expect(event).toMatchObject({
      reason: 'SnapshotCreated',
      action: 'CreateSnapshot',
      note: 'took vs-1 in 2s',
      type: 'Normal',
      reportingController: 'vmsnap.io/operator',
      reportingInstance: 'test-host',
      regarding: { apiVersion: 'runtime.vmsnap.test/v1', kind: 'Widget', name: 'ev-a', namespace: 'default' },
    });
    expect(event?.eventTime).toBeTruthy();
  });

  it('bumps series.count for a repeat instead of writing a new Event', async () => {
    const obj = await env.client.create<Widget>(WIDGETS, widget('ev-b'));
    const events = recorder(new FakeClock());
    for (let i = 0; i < 3; i++)
      await events.warning(obj, 'HypervisorUnreachable', 'Connect', 'connection refused');
    await events.warning(obj, 'HypervisorUnreachable', 'Connect', 'timed out');
    const written = await eventsAbout(obj);
    expect(written).toHaveLength(2);
    const repeated = written.find((e) => e.note === 'connection refused');
    expect(repeated?.series?.count).toBe(3);
    expect(repeated?.series?.lastObservedTime).toBeTruthy();
    expect(written.find((e) => e.note === 'timed out')?.series).toBeUndefined();
  });

  it('rate-limits writes per object and carries dropped repeats into the next count', async () => {
    const clock = new FakeClock();
    const obj = await env.client.create<Widget>(WIDGETS, widget('ev-c'));
    const other = await env.client.create<Widget>(WIDGETS, widget('ev-d'));
    const events = recorder(clock, 2);
    await events.normal(obj, 'Step', 'Do', 'one');
    await events.normal(obj, 'Step', 'Do', 'two');
    await events.normal(obj, 'Step', 'Do', 'three');
    await events.normal(other, 'Step', 'Do', 'one');
    expect((await eventsAbout(obj)).map((e) => e.note).sort()).toEqual(['one', 'two']);
    expect(await eventsAbout(other)).toHaveLength(1);

    await events.normal(obj, 'Step', 'Do', 'one'); // limited: counted, not written
    clock.advance(60_000);
    await events.normal(obj, 'Step', 'Do', 'one');
    const one = (await eventsAbout(obj)).find((e) => e.note === 'one');
    expect(one?.series?.count).toBe(3);
  });

  it('never rejects, even when the write fails', async () => {
    const ghost: Widget = {
      apiVersion: 'v1',
      kind: 'Widget',
      metadata: { name: 'x', namespace: 'no-such-ns' },
    };
    await expect(recorder(new FakeClock()).normal(ghost, 'R', 'A', 'n')).resolves.toBeUndefined();
    await expect(
      recorder(new FakeClock()).normal({ metadata: { name: 'no-kind' } }, 'R', 'A', 'n'),
    ).resolves.toBeUndefined();
  });
});
