import type { Logger } from 'pino';
import { type ControlPlane, startControlPlane } from '../apiserver/server.ts';
import type { LocalAddon, RunningAddon } from './addons.ts';
import type { LocalOptions } from './local-options.ts';

export interface LocalDeps {
  addons: readonly LocalAddon[];
  logger: Logger;
  /** Where the kubeconfig hint goes (stdout). */
  print(line: string): void;
  /** Resolves when the process should shut down (first SIGINT/SIGTERM). */
  shutdownRequested: Promise<string>;
}

/**
 * `vmsnap local`: start the control plane, then the addons, print how to reach it, wait for a shutdown signal,
 * stop addons (reverse order) and close the control plane so the store is closed cleanly. An addon that fails to
 * start stops everything started before it and fails the command.
 */
export async function runLocal(options: LocalOptions, deps: LocalDeps): Promise<void> {
  const { logger } = deps;
  const controlPlane = await startControlPlane({
    dataDir: options.dataDir,
    host: options.host,
    port: options.port,
    logger,
  });
  const running: Array<{ name: string; addon: RunningAddon }> = [];
  try {
    for (const addon of deps.addons) {
      running.push({
        name: addon.name,
        addon: await addon.start(controlPlane, logger.child({ addon: addon.name })),
      });
    }
  } catch (error) {
    await shutdown(controlPlane, running, logger);
    throw error;
  }
  deps.print(`vmsnap control plane serving at ${controlPlane.url}`);
  deps.print(`kubeconfig: ${controlPlane.kubeconfigPath}`);
  deps.print(`export KUBECONFIG=${controlPlane.kubeconfigPath}`);
  const signal = await deps.shutdownRequested;
  logger.info({ signal }, 'shutting down');
  await shutdown(controlPlane, running, logger);
}

async function shutdown(
  controlPlane: ControlPlane,
  running: Array<{ name: string; addon: RunningAddon }>,
  logger: Logger,
): Promise<void> {
  for (const { name, addon } of [...running].reverse()) {
    try {
      await addon.stop();
    } catch (error) {
      logger.error({ err: error, addon: name }, 'addon failed to stop cleanly');
    }
  }
  await controlPlane.close();
}
