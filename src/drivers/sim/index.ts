// The simulated hypervisor: a test double with libvirt's snapshot semantics (see sim-hypervisor.ts).
export { FaultInjector, type FaultOptions, type SimFaultPoint } from './faults.ts';
export {
  ConcurrencyRecorder,
  type RecordedOperation,
  type SimOperation,
  SNAPSHOT_OPERATIONS,
} from './recorder.ts';
export { SimDriver } from './sim-driver.ts';
export {
  type SimDomainSpec,
  type SimDomainState,
  SimHypervisor,
  type SimHypervisorOptions,
  type SimImageSnapshot,
  type SimPhase,
  type SimSnapshotRecord,
} from './sim-hypervisor.ts';
