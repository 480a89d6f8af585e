// What a vsphere Hypervisor object needs to reach the simulator: the credentials Secret its credentialsSecretRef
// names (the simulator's user, password and serving certificate as the CA), and the spec naming both.
import type { CoreV1Api } from '@kubernetes/client-node';
import type { Vcsim } from './vcsim.ts';

const CREDENTIALS = { namespace: 'vmsnap-system', name: 'vcsim-creds' };

/** Creates namespace `vmsnap-system` and in it the Secret `vcsim-creds` for `sim`. Not idempotent. */
export async function createVcsimCredentials(
  core: CoreV1Api,
  sim: Pick<Vcsim, 'username' | 'password' | 'caPem'>,
): Promise<void> {
  await core.createNamespace({ body: { metadata: { name: CREDENTIALS.namespace } } });
  await core.createNamespacedSecret({
    namespace: CREDENTIALS.namespace,
    body: {
      metadata: { name: CREDENTIALS.name },
      stringData: { username: sim.username, password: sim.password, 'ca.crt': sim.caPem },
    },
  });
}

/** The spec of a vsphere Hypervisor on `sim` whose credentials are the Secret createVcsimCredentials made. */
export function vcsimHypervisorSpec(sim: Pick<Vcsim, 'url'>): Record<string, unknown> {
  return { driver: 'vsphere', uri: sim.url, credentialsSecretRef: { ...CREDENTIALS } };
}
