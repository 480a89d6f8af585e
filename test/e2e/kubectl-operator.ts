// What the end-to-end tests that drive the embedded operator with real kubectl share: the embedded control plane
// with the operator addon started the way `vmsnap local` starts them (the addon installs the CRDs and starts the
// controllers with the real driver factory), the resource names kubectl is given and the manifests it applies.
import { pino } from 'pino';
import type { RunningAddon } from '../../src/cli/addons.ts';
import { operatorAddon } from '../../src/operator/local-addon.ts';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';

export const SNAPSHOTS = 'vmsnapshots.vmsnap.io';
export const VMS = 'virtualmachines.vmsnap.io';

/** The control plane and the operator running in it; the caller stops both (operator first) in afterAll. */
export interface LocalOperator {
  controlPlane: TestControlPlane;
  operator: RunningAddon;
}

/** Logs go to stderr at VMSNAP_TEST_LOG's level (silent unless set). */
export async function startLocalOperator(): Promise<LocalOperator> {
  const controlPlane = await startTestControlPlane();
  const logger = pino({ level: process.env.VMSNAP_TEST_LOG ?? 'silent' }, pino.destination(2));
  const operator = await operatorAddon.start(controlPlane, logger);
  return { controlPlane, operator };
}

/**
 * A vmsnap.io object as JSON for `kubectl apply -f -`: in namespace `default` unless it is a (cluster-scoped)
 * Hypervisor; `metadata` adds fields such as labels.
 */
export function manifest(
  kind: string,
  name: string,
  spec: Record<string, unknown>,
  metadata: object = {},
): string {
  const namespaced = kind !== 'Hypervisor';
  return JSON.stringify({
    apiVersion: 'vmsnap.io/v1alpha1',
    kind,
    metadata: { name, ...(namespaced ? { namespace: 'default' } : {}), ...metadata },
    spec,
  });
}
