import type { KubeClient } from '../../runtime/kube-client.ts';
import type { ApiObject } from '../shared/resources.ts';
import { VM_REVERTS, VM_SNAPSHOTS } from '../shared/resources.ts';
import type { HoldView } from '../views.ts';

/**
 * Whether the object named by the hold still exists as the same object (same uid): a holder deleted, or deleted
 * and recreated under the same name, is gone. Read from the API server, not a cache, because releasing a hold on a
 * stale "gone" would let a second operation start on a VM the first one is still working on.
 */
export async function holderExists(client: KubeClient, namespace: string, hold: HoldView): Promise<boolean> {
  const resource = hold.holder.kind === 'VMSnapshot' ? VM_SNAPSHOTS : VM_REVERTS;
  const holder = await client.find<ApiObject>(resource, { namespace, name: hold.holder.name });
  return holder !== undefined && holder.metadata.uid === hold.holder.uid;
}
