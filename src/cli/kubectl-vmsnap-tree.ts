import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { parseVirtualMachine } from '../api/virtual-machine.ts';
import { type ApiObject, VIRTUAL_MACHINES } from '../controllers/shared/resources.ts';
import { KubeClient } from '../runtime/kube-client.ts';
import { KubeError } from '../runtime/kube-error.ts';
import type { TreeOptions } from './kubectl-vmsnap-options.ts';
import { renderTree } from './kubectl-vmsnap-render.ts';

/** A failure the plugin reports in one line and exits 1 for (what was wrong, and where). */
export class PluginError extends Error {
  override name = 'PluginError';
}

/**
 * Loads the kubeconfig the way kubectl does for a plugin's flags: --kubeconfig, else $KUBECONFIG (several files
 * merged), else ~/.kube/config; --context, else its current context; the namespace from -n, else the context's,
 * else "default".
 */
export function resolveKubeConfig(options: Pick<TreeOptions, 'kubeconfig' | 'context' | 'namespace'>): {
  kubeConfig: KubeConfig;
  namespace: string;
} {
  const kubeConfig = new KubeConfig();
  try {
    if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (error) {
    const where = options.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config';
    throw new PluginError(`cannot load kubeconfig ${where}: ${(error as Error).message}`);
  }
  if (options.context !== undefined) {
    if (!kubeConfig.getContextObject(options.context)) {
      const known = kubeConfig.getContexts().map((c) => c.name);
      throw new PluginError(
        `context "${options.context}" not found in the kubeconfig (contexts: ${known.join(', ') || 'none'})`,
      );
    }
    kubeConfig.setCurrentContext(options.context);
  }
  const contextNamespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
  return { kubeConfig, namespace: options.namespace ?? contextNamespace ?? 'default' };
}

/** `kubectl vmsnap tree`: the VM's snapshot tree as text, or a PluginError saying why not. */
export async function treeCommand(options: TreeOptions): Promise<string> {
  const { kubeConfig, namespace } = resolveKubeConfig(options);
  const server = kubeConfig.getCurrentCluster()?.server ?? '(no server in the kubeconfig)';
  const client = new KubeClient(kubeConfig, { fieldManager: 'kubectl-vmsnap' });
  const subject = `VirtualMachine "${options.vm}" in namespace "${namespace}"`;
  let raw: ApiObject | undefined;
  try {
    raw = await client.find<ApiObject>(VIRTUAL_MACHINES, { namespace, name: options.vm });
  } catch (error) {
    throw explain(error, `reading ${subject}`, server);
  }
  if (!raw) {
    if (!(await namespaceExists(kubeConfig, namespace))) {
      throw new PluginError(`namespace "${namespace}" not found`);
    }
    throw new PluginError(`${subject} not found`);
  }
  const parsed = parseVirtualMachine(raw);
  if (!parsed.ok) throw new PluginError(`${subject} is not a valid VirtualMachine: ${parsed.error.message}`);
  const { snapshots, snapshotCount } = parsed.value.status;
  if (snapshots === undefined) {
    return `No snapshot tree observed yet for ${subject} (status.snapshots is not set: the operator lists it once it reaches the VM's hypervisor).\n`;
  }
  return renderTree({ entries: snapshots, total: snapshotCount });
}

/** Whether the namespace exists; true when we may not read namespaces (the VM was then simply not found). */
async function namespaceExists(kubeConfig: KubeConfig, namespace: string): Promise<boolean> {
  try {
    await kubeConfig.makeApiClient(CoreV1Api).readNamespace({ name: namespace });
    return true;
  } catch (error) {
    return !((error as { code?: number }).code === 404);
  }
}

function explain(error: unknown, doing: string, server: string): PluginError {
  if (error instanceof KubeError) return new PluginError(`${doing}: ${error.reason}: ${error.message}`);
  const cause = (error as { cause?: { message?: string; code?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (error as Error).message;
  return new PluginError(`cannot reach the API server at ${server} (${detail})`);
}
