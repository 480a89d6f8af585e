// Building blocks shared by every kind: the parts of Kubernetes' own types vmsnap uses, with Kubernetes'
// validation rules, so the CRDs reject what a real API server would reject for the same fields.
import { z } from 'zod';
import { DURATION_HINT, DURATION_PATTERN } from './duration.ts';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** metav1.Condition's rules for `type` and `reason` (k8s.io/apimachinery/pkg/apis/meta/v1/types.go). */
const CONDITION_TYPE =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;
export const CONDITION_REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/** The name of another vmsnap object (a Kubernetes object name: lowercase RFC 1123 subdomain). */
export function objectName(description: string) {
  return z
    .string()
    .min(1)
    .max(253)
    .regex(DNS1123_SUBDOMAIN, { error: 'must be a lowercase RFC 1123 subdomain (a Kubernetes object name)' })
    .describe(description);
}

export const namespaceName = z
  .string()
  .min(1)
  .max(63)
  .regex(DNS1123_LABEL, { error: 'must be a lowercase RFC 1123 label (a namespace name)' });

/** A point in time as Kubernetes writes it (RFC 3339, e.g. `2026-11-24T10:00:00Z`). */
export const timestamp = z.iso.datetime({ offset: true });

/**
 * A duration string (`10m`, `1h30m`, `0`). Kept as text on the wire so manifests read naturally; parse
 * functions turn it into milliseconds.
 */
export function duration(description: string) {
  return z
    .string()
    .max(64)
    .regex(new RegExp(DURATION_PATTERN), { error: `must be ${DURATION_HINT}` })
    .describe(description);
}

/** The subset of metav1.ObjectMeta vmsnap reads; everything else passes through untouched. */
export const objectMetaSchema = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.int().min(0).optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
});
export type ObjectMetaWire = z.infer<typeof objectMetaSchema>;

/** metav1.Condition, with its validation rules. */
export const conditionSchema = z
  .object({
    type: z
      .string()
      .max(316)
      .regex(CONDITION_TYPE, { error: 'must be a CamelCase condition type, optionally domain-prefixed' })
      .describe('type of condition in CamelCase or in foo.example.com/CamelCase.'),
    status: z
      .enum(['True', 'False', 'Unknown'])
      .describe('status of the condition, one of True, False, Unknown.'),
    observedGeneration: z
      .int()
      .min(0)
      .optional()
      .describe('the .metadata.generation that the condition was set based upon.'),
    lastTransitionTime: timestamp.describe(
      'the last time the condition transitioned from one status to another (RFC 3339).',
    ),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(CONDITION_REASON, { error: 'must be a CamelCase reason' })
      .describe("a programmatic identifier for the condition's last transition, in CamelCase."),
    message: z
      .string()
      .max(32768)
      .describe('a human readable message with details about the transition; may be empty.'),
  })
  .describe('One aspect of the current state of this object (metav1.Condition).');
export type Condition = z.infer<typeof conditionSchema>;

/**
 * `status.conditions`: a list keyed by `type`, so server-side apply merges by type and no type appears twice.
 */
export const conditionsSchema = z
  .array(conditionSchema)
  .meta({
    description: 'The latest observations of the object state (kstatus: Ready, Reconciling, Stalled, ...).',
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
  })
  .optional();

export const observedGeneration = z
  .int()
  .min(0)
  .optional()
  .describe(
    'The .metadata.generation the controller last acted on; behind generation means not yet reconciled.',
  );

/** A reference to an object in the same namespace (core/v1 LocalObjectReference). */
export const localObjectReferenceSchema = z
  .object({ name: objectName('Name of the referent.') })
  .describe('A reference to an object in the same namespace.');
export type LocalObjectReference = z.infer<typeof localObjectReferenceSchema>;

/** A reference to a Secret in any namespace (core/v1 SecretReference): cluster-scoped kinds need the namespace. */
export const secretReferenceSchema = z
  .object({
    namespace: namespaceName.describe('Namespace of the Secret.'),
    name: objectName('Name of the Secret.'),
  })
  .describe('A reference to a Secret by namespace and name.');
export type SecretReference = z.infer<typeof secretReferenceSchema>;

/** The last failure of an operation, kept until the next success so users see why it stopped. */
export const operationErrorSchema = z
  .object({
    message: z.string().describe('What went wrong, for humans.'),
    time: timestamp.optional().describe('When the failure was observed.'),
  })
  .describe('The last failure, if any.');
export type OperationError = z.infer<typeof operationErrorSchema>;

/** The VM lifecycle phases. Snapshotting and reverting are deliberately not phases (see status.hold). */
export const VM_PHASES = ['Running', 'Stopped', 'Paused', 'Suspended', 'Unknown'] as const;
export const vmPhaseSchema = z.enum(VM_PHASES);
export type VMPhase = z.infer<typeof vmPhaseSchema>;
