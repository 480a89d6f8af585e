import { pino } from 'pino';
import { type ApiObject, VM_SNAPSHOTS } from '../../../src/controllers/shared/resources.ts';
import { Informer } from '../../../src/runtime/informer.ts';
import type { OperatorEnv } from './operator-env.ts';

export interface SeenSnapshotStatus {
  name: string;
  phase: unknown;
  /** The Ready condition's reason, e.g. WaitingForSlot. */
  readyReason: string | undefined;
  /** The Stalled condition's status ("True", "False") or undefined. */
  stalled: string | undefined;
}

/** Records every VMSnapshot status a watch delivers, to assert on what users could have seen (not only the end). */
export class SnapshotConditionLog {
  readonly seen: SeenSnapshotStatus[] = [];
  readonly #informer: Informer<ApiObject>;

  private constructor(env: OperatorEnv) {
    this.#informer = new Informer<ApiObject>({
      kubeConfig: env.kubeConfig,
      client: env.client,
      resource: VM_SNAPSHOTS,
      logger: pino({ level: 'silent' }),
    });
    this.#informer.subscribe((snapshot) => {
      const status = (snapshot.status ?? {}) as Record<string, unknown>;
      const conditions = (status.conditions ?? []) as Array<{ type: string; status: string; reason: string }>;
      this.seen.push({
        name: snapshot.metadata.name ?? '',
        phase: status.phase,
        readyReason: conditions.find((c) => c.type === 'Ready')?.reason,
        stalled: conditions.find((c) => c.type === 'Stalled')?.status,
      });
    });
  }

  static async start(env: OperatorEnv): Promise<SnapshotConditionLog> {
    const log = new SnapshotConditionLog(env);
    log.#informer.start();
    await log.#informer.waitForSync();
    return log;
  }

  of(name: string): SeenSnapshotStatus[] {
    return this.seen.filter((s) => s.name === name);
  }

  stop(): Promise<void> {
    return this.#informer.stop();
  }
}
