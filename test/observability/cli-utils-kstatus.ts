import type { KstatusResult } from '../../src/runtime/conditions.ts';

/**
 * kstatus's verdict for a custom resource, following sigs.k8s.io/cli-utils pkg/kstatus/status (Compute ->
 * checkGenericProperties -> checkGeneration, then "no known conditions means Current"), which Flux and kpt use.
 * Written from its rules as a second opinion on the runtime's `kstatus`: unlike the runtime's helper, real kstatus
 * never reads the Ready condition of a custom resource.
 */
export function cliUtilsKstatus(obj: {
  metadata?: { generation?: number; deletionTimestamp?: string };
  status?: { observedGeneration?: number; conditions?: ReadonlyArray<{ type: string; status: string }> };
}): KstatusResult {
  if (obj.metadata?.deletionTimestamp) return 'Terminating';
  const generation = obj.metadata?.generation;
  const observed = obj.status?.observedGeneration;
  if (generation !== undefined && observed !== undefined && observed !== generation) return 'InProgress';
  // The first True one of the two decides, in list order.
  for (const condition of obj.status?.conditions ?? []) {
    if (condition.type === 'Reconciling' && condition.status === 'True') return 'InProgress';
    if (condition.type === 'Stalled' && condition.status === 'True') return 'Failed';
  }
  return 'Current';
}
