import type { ReconcileContext, ReconcileResult } from '../../runtime/controller.ts';
import type { ApiObject } from '../shared/resources.ts';
import { SNAPSHOT_FINALIZER } from '../shared/resources.ts';
import type { SnapshotStep } from './decide.ts';
import { type LoadedSnapshot, loadedFromWrites } from './loaded.ts';
import { type Continuation, type SnapshotStepDeps, SnapshotSteps } from './steps.ts';

/** What the two writes left; the same fields the reconciler reads off a SnapshotSteps after one step. */
export interface FinalizerWithHoldOutcome {
  /** The reconcile's result, or `error`: what it must throw once it has noted `current` and `wroteVm`. */
  result: ReconcileResult;
  error?: unknown;
  /** The snapshot as the finalizer patch returned it (or as read, if that patch failed). */
  current: ApiObject;
  wroteVm: boolean;
  /** Both written: the reconcile goes on to Create from these objects. */
  continuation: Continuation | undefined;
}

/**
 * AddFinalizer and TakeHold sent at once, when the snapshot would take the VM's hold right after getting its
 * finalizer (decided on the snapshot as it will be with the finalizer). The writes go to different objects and
 * only the driver call, the step after them, needs both to be durable; sending one after the other cost a round
 * trip on every new snapshot's way to the hypervisor. undefined: the next step would not be TakeHold, so the
 * caller adds the finalizer alone as before.
 *
 * Crash and failure points (each converges):
 * - both written: as after the two steps one by one (the hold marks the attempt, steps.ts `create`);
 * - the hold lost the race (409): the finalizer is on, the first status (Pending) is written, the key requeues;
 * - the hold written but not the finalizer (the patch failed, or the process died): nothing was sent to the
 *   hypervisor, because Create waits for both. The next reconcile adds the finalizer and goes on to Create with
 *   `mayExist` (the hold is an earlier reconcile's). If the snapshot is deleted before that, it is gone at once
 *   (no finalizer) and the VirtualMachine reconciler releases the hold of a holder that no longer exists.
 * A failure is returned (`error`) only after both writes have settled, so no write is left running unobserved.
 */
export async function addFinalizerTakingHold(
  deps: SnapshotStepDeps,
  ctx: ReconcileContext,
  loaded: LoadedSnapshot,
  decide: (loaded: LoadedSnapshot) => SnapshotStep,
  logStep: (kind: SnapshotStep['kind']) => void,
): Promise<FinalizerWithHoldOutcome | undefined> {
  const finalizers = loaded.raw.metadata.finalizers ?? [];
  const projected = loadedFromWrites(
    deps,
    loaded.key,
    { ...loaded.raw, metadata: { ...loaded.raw.metadata, finalizers: [...finalizers, SNAPSHOT_FINALIZER] } },
    loaded.vmRaw,
  );
  if (decide(projected).kind !== 'TakeHold') return undefined;

  const finalizing = new SnapshotSteps(deps, ctx, loaded);
  const holding = new SnapshotSteps(deps, ctx, projected);
  logStep('AddFinalizer');
  logStep('TakeHold');
  const [finalizer, hold] = await Promise.allSettled([
    finalizing.run({ kind: 'AddFinalizer' }),
    holding.run({ kind: 'TakeHold' }),
  ]);
  const settled = { result: {}, wroteVm: holding.wroteVm, continuation: undefined };
  const failed = finalizer.status === 'rejected' ? finalizer : hold.status === 'rejected' ? hold : undefined;
  if (failed) return { ...settled, current: finalizing.current, error: failed.reason };
  const held = holding.continuation;
  if (!held) {
    // Lost the race for the hold: nothing follows in this reconcile, so the first status is written now.
    try {
      await finalizing.writeFirstStatus();
    } catch (error) {
      return { ...settled, current: finalizing.current, error };
    }
    const result = hold.status === 'fulfilled' ? hold.value : {};
    return { ...settled, current: finalizing.current, result };
  }
  return {
    ...settled,
    current: finalizing.current,
    continuation: { raw: finalizing.current, vmRaw: held.vmRaw, tookHold: true },
  };
}
