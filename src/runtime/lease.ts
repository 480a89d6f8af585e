import type { KubeClient } from './kube-client.ts';
import type { KubeObject, KubeResource } from './kube-object.ts';

/** coordination.k8s.io/v1 leases: the lock leader election takes. */
export const LEASES: KubeResource = {
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  namespaced: true,
};

/** The fields of a Lease's spec that leader election reads and writes (client-go's LeaderElectionRecord). */
export interface LeaseSpec {
  /** Empty or absent: nobody holds the lease (a leader released it). */
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** The calls leader election makes: KubeClient satisfies it; tests wrap it to cut a replica off the API server. */
export type LeaseClient = Pick<KubeClient, 'find' | 'create' | 'replace'>;

/**
 * A Lease's MicroTime: RFC 3339 with exactly six fractional digits, the layout the API server parses
 * (`2006-01-02T15:04:05.000000Z07:00`).
 */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Whether two records say the same thing; a change in any field restarts the local expiry observation. */
export function sameRecord(a: LeaseSpec | undefined, b: LeaseSpec | undefined): boolean {
  return (
    (a?.holderIdentity ?? '') === (b?.holderIdentity ?? '') &&
    a?.leaseDurationSeconds === b?.leaseDurationSeconds &&
    a?.acquireTime === b?.acquireTime &&
    a?.renewTime === b?.renewTime &&
    (a?.leaseTransitions ?? 0) === (b?.leaseTransitions ?? 0)
  );
}
