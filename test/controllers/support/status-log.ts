import { pino } from 'pino';
import type { ApiObject } from '../../../src/controllers/shared/resources.ts';
import { Informer } from '../../../src/runtime/informer.ts';
import type { KubeResource } from '../../../src/runtime/kube-object.ts';
import type { OperatorEnv } from './operator-env.ts';

/**
 * Records what a watch delivers of every object of one kind, each projected to what a test asserts on, so a test
 * can check what users could have seen along the way, not only the end state.
 */
export class StatusLog<T extends { name: string }> {
  readonly seen: T[] = [];
  readonly #informer: Informer<ApiObject>;

  private constructor(env: OperatorEnv, resource: KubeResource, project: (obj: ApiObject) => T) {
    this.#informer = new Informer<ApiObject>({
      kubeConfig: env.kubeConfig,
      client: env.client,
      resource,
      logger: pino({ level: 'silent' }),
    });
    this.#informer.subscribe((obj) => this.seen.push(project(obj)));
  }

  static async start<T extends { name: string }>(
    env: OperatorEnv,
    resource: KubeResource,
    project: (obj: ApiObject) => T,
  ): Promise<StatusLog<T>> {
    const log = new StatusLog(env, resource, project);
    log.#informer.start();
    await log.#informer.waitForSync();
    return log;
  }

  of(name: string): T[] {
    return this.seen.filter((s) => s.name === name);
  }

  stop(): Promise<void> {
    return this.#informer.stop();
  }
}

/** An object's status and its conditions, loosely typed: the projections pick what they need. */
export function statusAndConditions(obj: ApiObject): {
  status: Record<string, unknown>;
  condition(type: string): { status: string; reason: string } | undefined;
} {
  const status = (obj.status ?? {}) as Record<string, unknown>;
  const conditions = (status.conditions ?? []) as Array<{ type: string; status: string; reason: string }>;
  return { status, condition: (type) => conditions.find((c) => c.type === type) };
}
