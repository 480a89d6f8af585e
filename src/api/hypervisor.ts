// Hypervisor (cluster-scoped): a host or endpoint that runs VMs, and how to reach it.
import { z } from 'zod';
import {
  type Condition,
  conditionsSchema,
  observedGeneration,
  type SecretReference,
  secretReferenceSchema,
} from './common.ts';
import { checkObject, type KindShape, type ObjectIdentity, objectSchema } from './parse.ts';
import { ok, type Result } from './result.ts';

export const DRIVERS = ['libvirt', 'vsphere', 'sim'] as const;
export type Driver = (typeof DRIVERS)[number];

export const DEFAULT_MAX_CONCURRENT_OPERATIONS = 2;

/** `scheme:rest`: enough to reject a bare host name; the driver checks the rest when it connects. */
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:.+$/;

export const hypervisorSpecSchema = z
  .object({
    driver: z
      .enum(DRIVERS)
      .describe('How vmsnap talks to this endpoint: libvirt, vsphere, or sim (in-memory, for tests).'),
    uri: z
      .string()
      .max(2048)
      .regex(URI, {
        error: 'must be a URI with a scheme, e.g. qemu:///system or https://vcenter.example.com/sdk',
      })
      .describe(
        'Driver connection string: qemu:///system for the local host, qemu+ssh://root@host/system for a remote ' +
          'libvirt host, https://vcenter.example.com/sdk for vSphere.',
      ),
    credentialsSecretRef: secretReferenceSchema
      .optional()
      .describe('Secret with the credentials to connect (vsphere: username, password, ca.crt). Optional.'),
    maxConcurrentOperations: z
      .int()
      .min(1)
      .max(64)
      .default(DEFAULT_MAX_CONCURRENT_OPERATIONS)
      .describe('How many snapshot and revert operations may run at once on this host.'),
    insecureSkipTLSVerify: z
      .boolean()
      .default(false)
      .describe(
        "vsphere: do not verify the endpoint's TLS certificate (labs only; anyone on the path can impersonate " +
          'it). Shown as the condition TLSVerified=False. Prefer ca.crt in the credentials Secret.',
      ),
  })
  .describe('How to reach the hypervisor.');

export const hypervisorCapabilitiesSchema = z
  .object({
    memorySnapshots: z.boolean().optional().describe('Snapshots can include memory and device state.'),
    quiesce: z.boolean().optional().describe('Guest filesystems can be frozen through a guest agent.'),
    revertExternal: z.boolean().optional().describe('Reverting to external (non-internal) snapshots works.'),
    maxSnapshotsPerVM: z
      .int()
      .min(1)
      .optional()
      .describe(
        "The endpoint's own limit of snapshots per VM (vSphere: 32 per chain); absent = none. The default of " +
          "each VirtualMachine's spec.maxSnapshots.",
      ),
  })
  .describe('What the endpoint supports, as probed (never assumed).');

export const hypervisorStatusSchema = z
  .object({
    observedGeneration,
    conditions: conditionsSchema,
    version: z.string().optional().describe('What the endpoint reports, e.g. "libvirt 9.0.0, QEMU 7.2.0".'),
    capabilities: hypervisorCapabilitiesSchema.optional(),
  })
  .describe('The observed state of the hypervisor.');

export const hypervisorShape = {
  kind: 'Hypervisor',
  namespaced: false,
  spec: hypervisorSpecSchema,
  status: hypervisorStatusSchema,
} satisfies KindShape<typeof hypervisorSpecSchema, typeof hypervisorStatusSchema>;

export const hypervisorSchema = objectSchema(hypervisorShape);

// Wire types: what manifests and the API server carry.
export type HypervisorWire = z.input<typeof hypervisorSchema>;
export type HypervisorSpecWire = z.input<typeof hypervisorSpecSchema>;
export type HypervisorStatusWire = z.output<typeof hypervisorStatusSchema>;
export type HypervisorCapabilities = z.output<typeof hypervisorCapabilitiesSchema>;

// Domain types: what controllers work with.
export interface HypervisorSpec {
  driver: Driver;
  uri: string;
  credentialsSecretRef: SecretReference | undefined;
  maxConcurrentOperations: number;
  insecureSkipTLSVerify: boolean;
}

/** The status as last written; controllers write back the wire form (HypervisorStatusWire). */
export interface HypervisorStatus extends Omit<HypervisorStatusWire, 'conditions'> {
  conditions: Condition[];
}

export interface Hypervisor {
  identity: ObjectIdentity;
  spec: HypervisorSpec;
  status: HypervisorStatus;
}

export function parseHypervisor(input: unknown): Result<Hypervisor> {
  const checked = checkObject(hypervisorShape, input);
  if (!checked.ok) return checked;
  const { identity, spec, status } = checked.value;
  return ok({
    identity,
    spec: {
      driver: spec.driver,
      uri: spec.uri,
      credentialsSecretRef: spec.credentialsSecretRef,
      maxConcurrentOperations: spec.maxConcurrentOperations,
      insecureSkipTLSVerify: spec.insecureSkipTLSVerify,
    },
    status: { ...status, conditions: status?.conditions ?? [] },
  });
}
