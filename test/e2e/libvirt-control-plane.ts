// The common start of the end-to-end tests that run the real operator process against this machine's libvirt:
// stale test domains swept, a fresh control plane with vmsnap's CRDs, and one libvirt Hypervisor in it.
import { HYPERVISORS } from '../../src/controllers/shared/resources.ts';
import { installCrds } from '../../src/operator/install-crds.ts';
import { KubeClient } from '../../src/runtime/kube-client.ts';
import { kubeConfigFor } from '../support/client-node.ts';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { sweepStaleTestDomains, TEST_URI } from '../support/libvirt/test-domain.ts';

export interface LibvirtControlPlane {
  controlPlane: TestControlPlane;
  client: KubeClient;
}

/** The caller owns the control plane: stop it in afterAll. */
export async function startLibvirtControlPlane(options: {
  fieldManager: string;
  hypervisorName: string;
}): Promise<LibvirtControlPlane> {
  await sweepStaleTestDomains();
  const controlPlane = await startTestControlPlane();
  const client = new KubeClient(kubeConfigFor(controlPlane), { fieldManager: options.fieldManager });
  await installCrds(client);
  await client.create(HYPERVISORS, {
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'Hypervisor',
    metadata: { name: options.hypervisorName },
    spec: { driver: 'libvirt', uri: TEST_URI },
  });
  return { controlPlane, client };
}
