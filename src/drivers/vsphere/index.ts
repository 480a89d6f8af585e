// The VMware vSphere driver (vim25 SOAP). See docs/drivers/vsphere.md.

export {
  InMemoryTaskJournal,
  type PendingSnapshotTask,
  type SnapshotTaskJournal,
} from '../snapshot-task-journal.ts';
export { createVsphereDriver, VSPHERE_CREDENTIAL_KEYS, vsphereOptionsFrom } from './connection.ts';
export type { SoapHttpRequest, SoapHttpResponse, SoapTransport } from './https-transport.ts';
export { MAX_SNAPSHOT_CHAIN, VsphereDriver, type VsphereDriverOptions } from './vsphere-driver.ts';
