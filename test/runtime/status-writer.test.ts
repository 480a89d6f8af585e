import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Condition, readyConditions, setConditions } from '../../src/runtime/conditions.ts';
import { isConflict } from '../../src/runtime/kube-error.ts';
import { StatusWriter } from '../../src/runtime/status-writer.ts';
import { type ApiServerEnv, startApiServerEnv } from './api-server-env.ts';
import { WIDGETS, type Widget, widget } from './fixtures/widget-crd.ts';

interface WidgetStatus {
  phase?: string;
  hold?: { holder: string };
  conditions?: Condition[];
}
type StatusWidget = Widget & { status?: WidgetStatus };

describe('StatusWriter against the embedded API server', () => {
  let env: ApiServerEnv;
  let writer: StatusWriter;
  beforeAll(async () => {
    env = await startApiServerEnv();
    writer = new StatusWriter(env.client);
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('merge-patches status and skips the write when nothing changed', async () => {
    const created = await env.client.create<StatusWidget>(WIDGETS, widget('sw-a'));
    const conditions: Condition[] = [];
    setConditions(conditions, readyConditions('InProgress', { reason: 'Working', message: 'm' }), new Date());
    const first = await writer.patch(WIDGETS, created, { phase: 'Pending', conditions });
    expect(first.written).toBe(true);
    expect(first.object.status?.phase).toBe('Pending');

    const again = await writer.patch(WIDGETS, first.object, {
      phase: 'Pending',
      conditions: structuredClone(conditions),
    });
    expect(again.written).toBe(false);
    const live = await env.client.get<StatusWidget>(WIDGETS, { namespace: 'default', name: 'sw-a' });
    expect(live.metadata.resourceVersion).toBe(first.object.metadata.resourceVersion);
  });

  it('removes status fields the new status no longer has', async () => {
    const created = await env.client.create<StatusWidget>(WIDGETS, widget('sw-b'));
    const held = await writer.patch(WIDGETS, created, { phase: 'Running', hold: { holder: 'snap-1' } });
    const released = await writer.patch(WIDGETS, held.object, { phase: 'Running' });
    expect(released.written).toBe(true);
    const live = await env.client.get<StatusWidget>(WIDGETS, { namespace: 'default', name: 'sw-b' });
    expect(live.status).toEqual({ phase: 'Running' });
  });

  it('guarded replace lets exactly one of two writers that read the same version take the hold', async () => {
    const created = await env.client.create<StatusWidget>(WIDGETS, widget('sw-c'));
    const read = await env.client.get<StatusWidget>(WIDGETS, { namespace: 'default', name: 'sw-c' });
    const results = await Promise.allSettled([
      writer.replace(WIDGETS, read, { hold: { holder: 'snap-1' } }),
      writer.replace(WIDGETS, read, { hold: { holder: 'revert-1' } }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(isConflict((lost[0] as PromiseRejectedResult).reason)).toBe(true);
    const live = await env.client.get<StatusWidget>(WIDGETS, { namespace: 'default', name: 'sw-c' });
    expect(live.status?.hold).toEqual(
      (won[0] as PromiseFulfilledResult<{ object: StatusWidget }>).value.object.status?.hold,
    );
    expect(created.metadata.uid).toBe(live.metadata.uid);
  });

  it('guarded replace skips an unchanged status and refuses an object without resourceVersion', async () => {
    const created = await env.client.create<StatusWidget>(WIDGETS, widget('sw-d'));
    expect((await writer.replace(WIDGETS, created, {})).written).toBe(false);
    const { resourceVersion: _, ...metadata } = created.metadata;
    await expect(writer.replace(WIDGETS, { ...created, metadata }, { phase: 'x' })).rejects.toThrow(
      /no metadata.resourceVersion/,
    );
  });
});
