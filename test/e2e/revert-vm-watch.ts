// Records every VirtualMachine status a watch delivers during a revert, to assert on what users could have seen.
import type { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { type ApiObject, VIRTUAL_MACHINES } from '../../src/controllers/shared/resources.ts';
import { Informer } from '../../src/runtime/informer.ts';
import type { KubeClient } from '../../src/runtime/kube-client.ts';

export interface SeenVm {
  name: string;
  phase: unknown;
  holder: string | undefined;
  reverting: string | undefined;
}

export class VmWatch {
  readonly seen: SeenVm[] = [];
  readonly #informer: Informer<ApiObject>;

  private constructor(api: { kubeConfig: KubeConfig; client: KubeClient }) {
    this.#informer = new Informer<ApiObject>({
      ...api,
      resource: VIRTUAL_MACHINES,
      logger: pino({ level: 'silent' }),
    });
    this.#informer.subscribe((vm) => {
      const status = (vm.status ?? {}) as {
        phase?: unknown;
        hold?: { holder?: { name?: string } };
        conditions?: Array<{ type: string; status: string }>;
      };
      this.seen.push({
        name: vm.metadata.name ?? '',
        phase: status.phase,
        holder: status.hold?.holder?.name,
        reverting: status.conditions?.find((c) => c.type === 'Reverting')?.status,
      });
    });
  }

  static async start(api: { kubeConfig: KubeConfig; client: KubeClient }): Promise<VmWatch> {
    const watch = new VmWatch(api);
    watch.#informer.start();
    await watch.#informer.waitForSync();
    return watch;
  }

  of(name: string): SeenVm[] {
    return this.seen.filter((s) => s.name === name);
  }

  stop(): Promise<void> {
    return this.#informer.stop();
  }
}
