import type { Logger } from 'pino';
import type { ControlPlane } from '../apiserver/server.ts';
import { operatorAddon } from '../operator/local-addon.ts';

/**
 * Something that runs inside `vmsnap local` beside the control plane: the operator's controllers. `start` is
 * called once the control plane serves (its kubeconfig works); `stop` when the process shuts down, before the
 * control plane closes, in reverse start order.
 */
export interface LocalAddon {
  name: string;
  start(controlPlane: ControlPlane, logger: Logger): Promise<RunningAddon>;
}

export interface RunningAddon {
  stop(): Promise<void>;
}

/** The addons `vmsnap local` starts. The operator registers its controllers here. */
export const localAddons: LocalAddon[] = [operatorAddon];
