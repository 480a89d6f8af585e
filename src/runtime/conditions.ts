/** A status condition in metav1.Condition form. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  /** CamelCase machine-readable cause, e.g. `SnapshotCreated`. */
  reason: string;
  /** For humans. */
  message: string;
  /** The metadata.generation this condition was computed from (`kubectl wait` compares it). */
  observedGeneration?: number;
  /** RFC 3339 time the status last changed. */
  lastTransitionTime: string;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** What a controller states about a condition; the transition time is the helper's business. */
export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'>;

// metav1.Condition's validation: the API server rejects other reasons.
const REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
const STATUSES: ReadonlySet<string> = new Set(['True', 'False', 'Unknown']);

/**
 * Upserts `update` into `conditions` (in place) by type, like apimachinery's meta.SetStatusCondition:
 * lastTransitionTime becomes `now` for a new condition or a changed status and is kept otherwise, so it tells when
 * the status last flipped, not when the controller last looked. Returns whether anything changed, so callers can
 * skip status writes that would change nothing.
 * Throws on an invalid status or reason: those are bugs the API server would reject later, less clearly.
 */
export function setCondition(conditions: Condition[], update: ConditionUpdate, now: Date): boolean {
  if (!STATUSES.has(update.status)) {
    throw new Error(
      `condition ${update.type}: status must be True, False or Unknown, got "${update.status}"`,
    );
  }
  if (!REASON.test(update.reason)) {
    throw new Error(
      `condition ${update.type}: reason "${update.reason}" must match ${REASON.source} (CamelCase, no spaces)`,
    );
  }
  const existing = conditions.find((c) => c.type === update.type);
  if (existing === undefined) {
    conditions.push(withoutUndefined({ ...update, lastTransitionTime: now.toISOString() }));
    return true;
  }
  let changed = false;
  if (existing.status !== update.status) {
    existing.status = update.status;
    existing.lastTransitionTime = now.toISOString();
    changed = true;
  }
  if (existing.reason !== update.reason) {
    existing.reason = update.reason;
    changed = true;
  }
  if (existing.message !== update.message) {
    existing.message = update.message;
    changed = true;
  }
  if (existing.observedGeneration !== update.observedGeneration) {
    if (update.observedGeneration === undefined) delete existing.observedGeneration;
    else existing.observedGeneration = update.observedGeneration;
    changed = true;
  }
  return changed;
}

/** Applies several updates; returns whether any of them changed anything. */
export function setConditions(
  conditions: Condition[],
  updates: readonly ConditionUpdate[],
  now: Date,
): boolean {
  let changed = false;
  for (const update of updates) changed = setCondition(conditions, update, now) || changed;
  return changed;
}

/** Removes the condition of `type`; returns whether there was one. */
export function removeCondition(conditions: Condition[], type: string): boolean {
  const index = conditions.findIndex((c) => c.type === type);
  if (index === -1) return false;
  conditions.splice(index, 1);
  return true;
}

export function getCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === 'True';
}

export function isFalse(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === 'False';
}

/**
 * Where an object stands, in kstatus terms: `Ready` (done), `InProgress` (working towards it) or `Stalled`
 * (cannot make progress without someone changing something).
 */
export type ReadyState = 'Ready' | 'InProgress' | 'Stalled';

/**
 * The Ready, Reconciling and Stalled conditions that together say `state` the way kstatus (Flux, kpt, cli-utils)
 * reads them: exactly one of them is True, so no reader sees "Ready and still Reconciling".
 * Use on first sight too: an object with no known conditions counts as Current to kstatus.
 */
export function readyConditions(
  state: ReadyState,
  detail: { reason: string; message: string; observedGeneration?: number },
): ConditionUpdate[] {
  const { reason, message, observedGeneration } = detail;
  const condition = (type: string, status: ConditionStatus): ConditionUpdate =>
    withoutUndefined({ type, status, reason, message, observedGeneration });
  switch (state) {
    case 'Ready':
      return [condition('Ready', 'True'), condition('Reconciling', 'False'), condition('Stalled', 'False')];
    case 'InProgress':
      return [condition('Ready', 'False'), condition('Reconciling', 'True'), condition('Stalled', 'False')];
    case 'Stalled':
      return [condition('Ready', 'False'), condition('Reconciling', 'False'), condition('Stalled', 'True')];
  }
}

/** kstatus's verdict on an object, computed by the rules its readers use. */
export type KstatusResult = 'Current' | 'InProgress' | 'Failed' | 'Terminating';

/**
 * kstatus's verdict for a custom resource, as sigs.k8s.io/cli-utils computes it (Flux, kpt): Terminating while
 * deleting; InProgress while status.observedGeneration lags metadata.generation; then the first True one of
 * Reconciling (InProgress) or Stalled (Failed); otherwise Current. Real kstatus never reads a custom resource's
 * Ready condition, which is why readyConditions always sets Reconciling or Stalled True while not Ready.
 */
export function kstatus(obj: {
  metadata?: { generation?: number; deletionTimestamp?: string | Date };
  status?: { observedGeneration?: number; conditions?: readonly Condition[] };
}): KstatusResult {
  if (obj.metadata?.deletionTimestamp) return 'Terminating';
  const generation = obj.metadata?.generation;
  const observed = obj.status?.observedGeneration;
  if (generation !== undefined && observed !== undefined && generation !== observed) return 'InProgress';
  for (const condition of obj.status?.conditions ?? []) {
    if (condition.type === 'Reconciling' && condition.status === 'True') return 'InProgress';
    if (condition.type === 'Stalled' && condition.status === 'True') return 'Failed';
  }
  return 'Current';
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
