import { ConditionType, Reason } from '../../api/conditions.ts';
import { type HypervisorStatusWire, parseHypervisor } from '../../api/hypervisor.ts';
import { DriverError } from '../../drivers/errors.ts';
import {
  type Condition,
  readyConditions,
  removeCondition,
  setCondition,
  setConditions,
} from '../../runtime/conditions.ts';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../../runtime/controller.ts';
import { splitKey } from '../../runtime/object-key.ts';
import { TerminalError } from '../../runtime/terminal-error.ts';
import type { ControllerDeps } from '../shared/deps.ts';
import { CredentialsNotFoundError } from '../shared/driver-pool.ts';
import { type ApiObject, HYPERVISORS } from '../shared/resources.ts';

/** A reachable hypervisor is probed again this often, so status.version and Ready stay current. */
export const READY_REPROBE_MS = 60_000;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;

/**
 * Reconciles a Hypervisor: builds (or reuses) its driver from the spec and the credentials Secret, probes it, and
 * reports version, capabilities and Ready. Unreachable endpoints are retried with a doubling delay (1 s up to
 * 60 s) that resets once a probe succeeds; the status says why it is not Ready in the meantime.
 */
export function hypervisorReconciler(deps: ControllerDeps): Reconciler {
  const failures = new Map<string, number>();

  return async (key: string, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const { name } = splitKey(key);
    const raw = await deps.client.find<ApiObject>(HYPERVISORS, { name });
    if (!raw) {
      failures.delete(key);
      await deps.pool.remove(name);
      return {};
    }
    const parsed = parseHypervisor(raw);
    if (!parsed.ok) throw new TerminalError(parsed.error.message);
    const { identity, spec, status } = parsed.value;
    const generation = identity.generation;

    const next: HypervisorStatusWire = { ...status, conditions: cloneConditions(status.conditions) };
    next.observedGeneration = generation;
    let outcome: { ready: true } | { ready: false; reason: string; message: string };
    try {
      const driver = await deps.pool.driverFor(name, spec, { refreshCredentials: true });
      const probed = await driver.probe();
      next.version = probed.version;
      next.capabilities = {
        memorySnapshots: probed.capabilities.memorySnapshots,
        quiesce: probed.capabilities.quiesce,
        revertExternal: probed.capabilities.revertExternal,
        // Recorded so VMSnapshots and schedules can default a VM's spec.maxSnapshots to it.
        ...(probed.capabilities.maxSnapshotsPerVM === undefined
          ? {}
          : { maxSnapshotsPerVM: probed.capabilities.maxSnapshotsPerVM }),
      };
      outcome = { ready: true };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcome = { ready: false, reason: notReadyReason(error), message };
    }

    const conditions = next.conditions ?? [];
    next.conditions = conditions;
    const now = deps.now();
    setTlsWarning(conditions, spec.insecureSkipTLSVerify, spec.uri, generation, now);
    if (outcome.ready) {
      setConditions(
        conditions,
        readyConditions('Ready', {
          reason: Reason.Connected,
          message: `${spec.driver} endpoint ${spec.uri} answers: ${next.version}`,
          observedGeneration: generation,
        }),
        now,
      );
    } else {
      setConditions(
        conditions,
        readyConditions('InProgress', {
          reason: outcome.reason,
          message: outcome.message,
          observedGeneration: generation,
        }),
        now,
      );
    }
    await deps.statusWriter.patch(HYPERVISORS, raw, next as ApiObject['status'] & object);

    if (outcome.ready) {
      failures.delete(key);
      return { requeueAfterMs: READY_REPROBE_MS };
    }
    const attempt = (failures.get(key) ?? 0) + 1;
    failures.set(key, attempt);
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempt - 1));
    ctx.log.info({ reason: outcome.reason, retryInMs: delay }, `hypervisor not ready: ${outcome.message}`);
    return { requeueAfterMs: delay };
  };
}

/**
 * A rejected login or an untrusted certificate is the user's to fix (the Secret, its ca.crt), not a network
 * problem: the driver's AuthenticationFailed / TLSVerificationFailed are kept so `kubectl get` points at the
 * cause. Everything else reads as unreachable.
 */
function notReadyReason(error: unknown): string {
  if (error instanceof CredentialsNotFoundError) return Reason.CredentialsNotFound;
  if (error instanceof DriverError && error.reason === 'AuthenticationFailed')
    return Reason.AuthenticationFailed;
  if (error instanceof DriverError && error.reason === 'TLSVerificationFailed')
    return Reason.TLSVerificationFailed;
  return 'HypervisorUnreachable';
}

/** Turning certificate checks off is allowed but never quiet: TLSVerified=False for as long as it is off. */
function setTlsWarning(
  conditions: Condition[],
  skipped: boolean,
  uri: string,
  generation: number,
  now: Date,
): void {
  if (!skipped) {
    removeCondition(conditions, ConditionType.TLSVerified);
    return;
  }
  setCondition(
    conditions,
    {
      type: ConditionType.TLSVerified,
      status: 'False',
      reason: Reason.TLSVerificationSkipped,
      message: `spec.insecureSkipTLSVerify is set: the certificate of ${uri} is not verified, so anyone on the network path can impersonate it; put its CA into ca.crt of the credentials Secret instead`,
      observedGeneration: generation,
    },
    now,
  );
}

function cloneConditions(conditions: readonly Condition[]): Condition[] {
  return conditions.map((c) => ({ ...c }));
}
