import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ControlPlane } from '../apiserver/server.ts';
import type { LocalAddon, RunningAddon } from '../cli/addons.ts';
import { type ApiObject, HYPERVISORS } from '../controllers/shared/resources.ts';
import { createDriverFactory } from '../drivers/factory.ts';
import { KubeClient } from '../runtime/kube-client.ts';
import { isAlreadyExists } from '../runtime/kube-error.ts';
import { installCrds } from './install-crds.ts';
import { checkKvmDevice } from './kvm-device-check.ts';
import { checkLibvirt } from './libvirt-check.ts';
import { startOperator } from './start-operator.ts';

/** The hypervisor `vmsnap local` binds by default: this machine's libvirt. */
export const LOCAL_HYPERVISOR = { name: 'local', uri: 'qemu:///system' } as const;

/**
 * The operator inside `vmsnap local`: installs vmsnap's CRDs into the embedded control plane, waits until they
 * are served, creates the Hypervisor `local` (libvirt, qemu:///system) unless one by that name exists, and starts
 * the controllers. Without a working libvirt it still starts (other hypervisors may be reachable) but says
 * exactly what to install or start; likewise for a /dev/kvm that would make libvirtd slow (kvm-device-check.ts).
 */
export const operatorAddon: LocalAddon = {
  name: 'operator',
  async start(controlPlane: ControlPlane, logger: Logger): Promise<RunningAddon> {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(controlPlane.kubeconfigPath);
    const client = new KubeClient(kubeConfig, { fieldManager: 'vmsnap-local' });
    await installCrds(client);

    const libvirt = await checkLibvirt(LOCAL_HYPERVISOR.uri);
    if (!libvirt.ok) logger.warn(libvirt.advice);
    const kvmDevice = await checkKvmDevice();
    if (kvmDevice) logger.warn(kvmDevice);
    await ensureLocalHypervisor(client);
    return startOperator({ kubeConfig, logger, driverFactory: createDriverFactory() });
  },
};

async function ensureLocalHypervisor(client: KubeClient): Promise<void> {
  try {
    await client.create<ApiObject>(HYPERVISORS, {
      apiVersion: 'vmsnap.io/v1alpha1',
      kind: 'Hypervisor',
      metadata: { name: LOCAL_HYPERVISOR.name },
      spec: { driver: 'libvirt', uri: LOCAL_HYPERVISOR.uri },
    });
  } catch (error) {
    // Created by an earlier run (or by the user): theirs to keep.
    if (!isAlreadyExists(error)) throw error;
  }
}
