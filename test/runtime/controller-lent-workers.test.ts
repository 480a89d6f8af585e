// ctx.awaitExternal: a reconcile waiting on a long outside call (a hypervisor operation) lends its worker, so the
// controller's `workers` bounds the reconciles working in this process, not the outside calls; the key stays in
// progress, and the pool shrinks back when the wait is over.
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { Controller, type ReconcileContext } from '../../src/runtime/controller.ts';
import { WorkQueue } from '../../src/runtime/work-queue.ts';
import { FakeClock } from './fake-clock.ts';
import { FakeSource, type TestObject } from './fake-source.ts';

/** A promise with its resolve at hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * A one-worker controller whose reconcile of key K waits on `gates[K]`, through awaitExternal when K is in
 * `external`, else holding its worker. Records how many reconciles are working (not lent) at once.
 */
function setup(external: Set<string>) {
  const clock = new FakeClock();
  const gates = new Map<string, ReturnType<typeof gate>>();
  const started: string[] = [];
  const finished: string[] = [];
  let working = 0;
  let mostWorking = 0;
  const primary = new FakeSource();
  const controller = new Controller<TestObject>({
    name: 'lend',
    primary,
    logger: pino({ level: 'silent' }),
    clock,
    queue: new WorkQueue({ clock }),
    workers: 1,
    resyncIntervalMs: 0,
    reconcile: async (key: string, ctx: ReconcileContext) => {
      started.push(key);
      working++;
      mostWorking = Math.max(mostWorking, working);
      const wait = gates.get(key)?.promise ?? Promise.resolve();
      if (external.has(key)) {
        working--;
        await ctx.awaitExternal(wait);
        working++;
        mostWorking = Math.max(mostWorking, working);
      } else {
        await wait;
      }
      working--;
      finished.push(key);
      return {};
    },
  });
  const block = (key: string) => {
    const g = gate();
    gates.set(key, g);
    return g;
  };
  return { controller, primary, started, finished, block, mostWorking: () => mostWorking };
}

const obj = (name: string): TestObject => ({ metadata: { name, namespace: 'prod' } });
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('Controller: a reconcile awaiting an external call lends its worker', () => {
  it('with one worker, a key waiting on its hypervisor call does not hold back other keys', async () => {
    const t = setup(new Set(['prod/a', 'prod/b', 'prod/c']));
    t.primary.sync();
    await t.controller.start();
    const calls = ['prod/a', 'prod/b', 'prod/c'].map((key) => t.block(key));
    for (const name of ['a', 'b', 'c']) t.primary.upsert(obj(name));
    // All three calls are under way at once on one worker.
    await vi.waitFor(() => expect(t.started).toEqual(['prod/a', 'prod/b', 'prod/c']));
    expect(t.finished).toEqual([]);
    for (const call of calls) call.open();
    await vi.waitFor(() => expect([...t.finished].sort()).toEqual(['prod/a', 'prod/b', 'prod/c']));
    expect(t.mostWorking()).toBe(1);
    await t.controller.stop();
  });

  it('without it the one worker is held: the second key waits for the first (the bound it lifts)', async () => {
    const t = setup(new Set());
    t.primary.sync();
    await t.controller.start();
    const a = t.block('prod/a');
    t.primary.upsert(obj('a'));
    t.primary.upsert(obj('b'));
    await settle();
    expect(t.started).toEqual(['prod/a']);
    a.open();
    await vi.waitFor(() => expect(t.finished).toEqual(['prod/a', 'prod/b']));
    await t.controller.stop();
  });

  it('keeps the key in progress: a change while it waits runs it again only after the wait', async () => {
    const t = setup(new Set(['prod/a']));
    t.primary.sync();
    await t.controller.start();
    const a = t.block('prod/a');
    t.primary.upsert(obj('a'));
    await vi.waitFor(() => expect(t.started).toEqual(['prod/a']));
    t.primary.upsert({ ...obj('a'), spec: { changed: true } } as TestObject);
    await settle();
    expect(t.started).toEqual(['prod/a']);
    a.open();
    await vi.waitFor(() => expect(t.started).toEqual(['prod/a', 'prod/a']));
    await vi.waitFor(() => expect(t.finished).toEqual(['prod/a', 'prod/a']));
    await t.controller.stop();
  });

  it('goes on after its wait only when a worker is free: never more reconciles working than workers', async () => {
    const t = setup(new Set(['prod/a']));
    t.primary.sync();
    await t.controller.start();
    const a = t.block('prod/a');
    const b = t.block('prod/b');
    t.primary.upsert(obj('a'));
    await vi.waitFor(() => expect(t.started).toEqual(['prod/a']));
    t.primary.upsert(obj('b'));
    await vi.waitFor(() => expect(t.started).toEqual(['prod/a', 'prod/b']));
    a.open();
    await settle();
    expect(t.finished).toEqual([]);
    b.open();
    await vi.waitFor(() => expect(t.finished).toEqual(['prod/b', 'prod/a']));
    expect(t.mostWorking()).toBe(1);
    await t.controller.stop();
  });

  it('shrinks back to its workers once the waits are over', async () => {
    const t = setup(new Set(['prod/a', 'prod/b']));
    t.primary.sync();
    await t.controller.start();
    const lent = [t.block('prod/a'), t.block('prod/b')];
    t.primary.upsert(obj('a'));
    t.primary.upsert(obj('b'));
    await vi.waitFor(() => expect(t.started).toHaveLength(2));
    for (const call of lent) call.open();
    await vi.waitFor(() => expect(t.finished).toHaveLength(2));
    // The extra loops end after one more key each at most; then two keys that hold their worker run in turn.
    t.primary.upsert(obj('warm-1'));
    t.primary.upsert(obj('warm-2'));
    await vi.waitFor(() => expect(t.finished).toHaveLength(4));
    const x = t.block('prod/x');
    t.block('prod/y').open();
    t.primary.upsert(obj('x'));
    t.primary.upsert(obj('y'));
    await settle();
    expect(t.started).toContain('prod/x');
    expect(t.started).not.toContain('prod/y');
    x.open();
    await vi.waitFor(() => expect(t.finished.slice(-2)).toEqual(['prod/x', 'prod/y']));
    expect(t.mostWorking()).toBe(1);
    await t.controller.stop();
  });
});
