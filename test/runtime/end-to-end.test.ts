import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Condition, kstatus, readyConditions, setConditions } from '../../src/runtime/conditions.ts';
import { Controller } from '../../src/runtime/controller.ts';
import { EventRecorder } from '../../src/runtime/events.ts';
import { finalizer } from '../../src/runtime/finalizers.ts';
import { Informer } from '../../src/runtime/informer.ts';
import { splitKey } from '../../src/runtime/object-key.ts';
import { StatusWriter } from '../../src/runtime/status-writer.ts';
import { type ApiServerEnv, startApiServerEnv } from './api-server-env.ts';
import { FakeClock } from './fake-clock.ts';
import { WIDGETS, type Widget, widget } from './fixtures/widget-crd.ts';

type SizedWidget = Widget & { status?: { observedGeneration?: number; conditions?: Condition[] } };
const FINALIZER = 'runtime.vmsnap.test/cleanup';

describe('a controller built from the runtime, against the embedded API server', () => {
  let env: ApiServerEnv;
  beforeAll(async () => {
    env = await startApiServerEnv();
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('reconciles status to Ready once per generation, resyncs without writing, and cleans up on delete', async () => {
    const logger = pino({ level: 'silent' });
    const clock = new FakeClock();
    const informer = new Informer<SizedWidget>({
      kubeConfig: env.kubeConfig,
      client: env.client,
      resource: WIDGETS,
      logger,
      watchdogMs: 0,
      relistIntervalMs: 0,
    });
    const writer = new StatusWriter(env.client);
    const events = new EventRecorder({ client: env.client, logger, reportingInstance: 'e2e' });
    let statusWrites = 0;
    let reconciles = 0;
    const cleanedUp: string[] = [];
    const controller = new Controller<SizedWidget>({
      name: 'widgets',
      primary: informer,
      logger,
      clock,
      resyncIntervalMs: 60_000,
      workers: 2,
      reconcile: async (key) => {
        reconciles++;
        const { namespace, name } = splitKey(key);
        const current = informer.get(namespace, name);
        if (current === undefined) return {};
        return finalizer(env.client, WIDGETS, FINALIZER, current, async (event) => {
          if (event.type === 'cleanup') {
            cleanedUp.push(name);
            return {};
          }
          const obj = event.object;
          const conditions = structuredClone(obj.status?.conditions ?? []);
          const generation = obj.metadata.generation;
          setConditions(
            conditions,
            readyConditions('Ready', {
              reason: 'Sized',
              message: `size ${obj.spec?.size}`,
              observedGeneration: generation,
            }),
            new Date(),
          );
          const { written } = await writer.patch(WIDGETS, obj, {
            observedGeneration: generation,
            conditions,
          });
          if (written) {
            statusWrites++;
            await events.normal(obj, 'Sized', 'Resize', `size ${obj.spec?.size}`);
          }
          return {};
        });
      },
    });

    informer.start();
    await controller.start();
    try {
      await env.client.create(WIDGETS, widget('e2e-a', 1));
      const ref = { namespace: 'default', name: 'e2e-a' };
      const readyAt = async (generation: number) => {
        const obj = await env.client.get<SizedWidget>(WIDGETS, ref);
        expect(obj.metadata.generation).toBe(generation);
        expect(obj.status?.observedGeneration).toBe(generation);
        expect(kstatus(obj)).toBe('Current');
        return obj;
      };
      await vi.waitFor(() => readyAt(1), { timeout: 10_000 });
      await vi.waitFor(() => expect(statusWrites).toBe(1));
      const settled = await env.client.get<SizedWidget>(WIDGETS, ref);
      expect(settled.metadata.finalizers).toEqual([FINALIZER]);

      // Two resyncs reconcile the unchanged object again; neither may write.
      const before = reconciles;
      clock.advance(60_000);
      await vi.waitFor(() => expect(reconciles).toBe(before + 1));
      clock.advance(60_000);
      await vi.waitFor(() => expect(reconciles).toBe(before + 2));
      expect(statusWrites).toBe(1);
      expect((await env.client.get<SizedWidget>(WIDGETS, ref)).metadata.resourceVersion).toBe(
        settled.metadata.resourceVersion,
      );

      await env.client.patch(WIDGETS, ref, { type: 'merge', body: { spec: { size: 2 } } });
      await vi.waitFor(() => readyAt(2), { timeout: 10_000 });
      expect(statusWrites).toBe(2);

      await env.client.delete(WIDGETS, ref);
      await vi.waitFor(async () => expect(await env.client.find(WIDGETS, ref)).toBeUndefined(), {
        timeout: 10_000,
      });
      expect(cleanedUp).toEqual(['e2e-a']);
    } finally {
      await controller.stop();
      await informer.stop();
    }
  });
});
