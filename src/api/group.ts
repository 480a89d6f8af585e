/** The API group and version every vmsnap kind is served under. */
export const GROUP = 'vmsnap.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** The kinds of this group-version; a kind's name is part of the contract (manifests name it). */
export const KINDS = [
  'Hypervisor',
  'VirtualMachine',
  'VMSnapshot',
  'VMRevert',
  'VMSnapshotSchedule',
] as const;
export type Kind = (typeof KINDS)[number];
