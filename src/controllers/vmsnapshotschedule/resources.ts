// Where VMSnapshotSchedules live, and what a schedule stamps on the snapshots it takes.
import { GROUP, VERSION } from '../../api/group.ts';
import type { KubeResource } from '../../runtime/kube-object.ts';

export const VM_SNAPSHOT_SCHEDULES: KubeResource = {
  group: GROUP,
  version: VERSION,
  plural: 'vmsnapshotschedules',
  namespaced: true,
};

/** The run a snapshot was taken for (RFC 3339): retention buckets and Forbid read it, not creationTimestamp. */
export const SCHEDULED_AT_ANNOTATION = 'vmsnap.io/scheduled-at';
