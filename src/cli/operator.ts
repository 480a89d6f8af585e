import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { createDriverFactory } from '../drivers/factory.ts';
import { installCrds } from '../operator/install-crds.ts';
import { startOperator } from '../operator/start-operator.ts';
import { KubeClient } from '../runtime/kube-client.ts';
import { UsageError } from './local-options.ts';

export const OPERATOR_USAGE = `Usage: vmsnap operator [flags]

Runs the vmsnap operator (Hypervisor, VirtualMachine and VMSnapshot controllers) against a Kubernetes API
server until SIGINT or SIGTERM.

Flags:
  --kubeconfig <path>  kubeconfig to use (default: in-cluster service account when running in a pod,
                       else $KUBECONFIG or ~/.kube/config)
  --workers <n>        reconciles at once per controller (default 4)
  --install-crds       create or update vmsnap's CRDs before starting (needs rights on CRDs)
  -h, --help           show this help
`;

export interface OperatorCliOptions {
  kubeconfig: string | undefined;
  workers: number;
  installCrds: boolean;
}

/** Parses `vmsnap operator` flags; throws UsageError naming the offending flag and value. */
export function parseOperatorOptions(args: readonly string[]): OperatorCliOptions | 'help' {
  let values: { kubeconfig?: string; workers?: string; 'install-crds'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        kubeconfig: { type: 'string' },
        workers: { type: 'string' },
        'install-crds': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const workers = Number(values.workers ?? '4');
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new UsageError(`--workers ${values.workers}: must be a whole number from 1 to 64`);
  }
  return { kubeconfig: values.kubeconfig, workers, installCrds: values['install-crds'] ?? false };
}

/** Runs the operator until `shutdownRequested` resolves, then stops it cleanly. */
export async function runOperator(
  options: OperatorCliOptions,
  deps: { logger: Logger; shutdownRequested: Promise<string> },
): Promise<void> {
  const kubeConfig = new KubeConfig();
  if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();
  if (options.installCrds) await installCrds(new KubeClient(kubeConfig, { fieldManager: 'vmsnap-operator' }));
  const operator = await startOperator({
    kubeConfig,
    logger: deps.logger,
    driverFactory: createDriverFactory(),
    workers: options.workers,
  });
  const signal = await deps.shutdownRequested;
  deps.logger.info({ signal }, 'shutting down');
  await operator.stop();
}
