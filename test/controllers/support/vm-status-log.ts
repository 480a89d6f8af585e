import { pino } from 'pino';
import { type ApiObject, VIRTUAL_MACHINES } from '../../../src/controllers/shared/resources.ts';
import { Informer } from '../../../src/runtime/informer.ts';
import type { OperatorEnv } from './operator-env.ts';

export interface SeenVmStatus {
  name: string;
  phase: unknown;
  hold: { holder: { kind: string; name: string; uid: string }; operation: string } | undefined;
  snapshotting: string | undefined;
  currentSnapshot: unknown;
}

/** Records every VirtualMachine status a watch delivers, to assert on what users could have seen. */
export class VmStatusLog {
  readonly seen: SeenVmStatus[] = [];
  readonly #informer: Informer<ApiObject>;

  private constructor(env: OperatorEnv) {
    this.#informer = new Informer<ApiObject>({
      kubeConfig: env.kubeConfig,
      client: env.client,
      resource: VIRTUAL_MACHINES,
      logger: pino({ level: 'silent' }),
    });
    this.#informer.subscribe((vm) => {
      const status = (vm.status ?? {}) as Record<string, unknown>;
      const conditions = (status.conditions ?? []) as Array<{ type: string; status: string }>;
      this.seen.push({
        name: vm.metadata.name ?? '',
        phase: status.phase,
        hold: status.hold as SeenVmStatus['hold'],
        snapshotting: conditions.find((c) => c.type === 'Snapshotting')?.status,
        currentSnapshot: status.currentSnapshot,
      });
    });
  }

  static async start(env: OperatorEnv): Promise<VmStatusLog> {
    const log = new VmStatusLog(env);
    log.#informer.start();
    await log.#informer.waitForSync();
    return log;
  }

  of(name: string): SeenVmStatus[] {
    return this.seen.filter((s) => s.name === name);
  }

  stop(): Promise<void> {
    return this.#informer.stop();
  }
}
