// The vmsnap API (vmsnap.io/v1alpha1): schemas, wire and domain types, and parse functions for every kind.
export * from './common.ts';
export * from './conditions.ts';
export { buildAllCrds, buildCrd, type CustomResourceDefinition } from './crd/build-crd.ts';
export { type RenderedCrd, renderCrd } from './crd/render.ts';
export * from './duration.ts';
export * from './group.ts';
export * from './hypervisor.ts';
export * from './label-selector.ts';
export type { ObjectIdentity } from './parse.ts';
export * from './result.ts';
export * from './virtual-machine.ts';
export * from './vm-revert.ts';
export * from './vm-snapshot.ts';
export * from './vm-snapshot-schedule.ts';
