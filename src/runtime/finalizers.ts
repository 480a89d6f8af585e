import type { Operation } from 'fast-json-patch';
import type { ReconcileResult } from './controller.ts';
import type { KubeClient } from './kube-client.ts';
import type { KubeObject, KubeResource } from './kube-object.ts';

/** What the finalizer helper asks the reconciler to do with the object. */
export type FinalizerEvent<T> =
  /** The object is live and carries our finalizer: make the world match it. */
  | { type: 'apply'; object: T }
  /** The object is being deleted and still carries our finalizer: undo what `apply` created outside Kubernetes. */
  | { type: 'cleanup'; object: T };

/**
 * Runs `reconcile` for an object guarded by the finalizer `name`, in the shape of kube-rs' `finalizer`.
 *
 * Expected flow:
 * 1. A new object has no finalizer: the helper adds it and returns. The write triggers a watch event, and the
 *    next reconcile sees the finalizer; nothing outside Kubernetes exists yet, so a crash here loses nothing.
 * 2. While the object lives, `reconcile({type: 'apply'})` runs and creates external state (a hypervisor snapshot)
 *    only now that deletion is guaranteed to wait for cleanup.
 * 3. Once the object is deleted (deletionTimestamp set), `reconcile({type: 'cleanup'})` runs. Returning `{}` means
 *    cleanup is complete: the helper removes the finalizer and the API server may delete the object. Returning
 *    `{requeueAfterMs}` means cleanup is still under way: the finalizer stays and the key comes back later.
 * 4. An object being deleted without our finalizer is left alone: its cleanup is done, or it was never ours.
 *
 * Guarantees: cleanup runs before the object disappears, for every object `apply` ever saw. The finalizer is added
 * and removed with JSON Patch `test` operations on the finalizers list, so a concurrent writer makes the patch fail
 * (422, thrown as a KubeError) instead of being overwritten; the reconcile then retries with fresh state.
 *
 * Assumptions: `apply` and `cleanup` are idempotent and safe to re-run after a crash at any point, including after
 * cleanup finished but before the finalizer was removed (cleanup then runs again and must find nothing to do).
 *
 * Caveats: `obj` must be fresh enough that its finalizers list is current, or the patch fails and retries.
 * Removing the finalizer by hand skips cleanup and may leak the external state.
 */
export async function finalizer<T extends KubeObject>(
  client: KubeClient,
  resource: KubeResource,
  name: string,
  obj: T,
  reconcile: (event: FinalizerEvent<T>) => Promise<ReconcileResult>,
): Promise<ReconcileResult> {
  const state = {
    hasFinalizer: obj.metadata.finalizers?.includes(name) ?? false,
    deleting: Boolean(obj.metadata.deletionTimestamp),
  };
  switch (true) {
    case state.hasFinalizer && !state.deleting:
      return reconcile({ type: 'apply', object: obj });
    case state.hasFinalizer && state.deleting: {
      const result = await reconcile({ type: 'cleanup', object: obj });
      if (result.requeueAfterMs) return result;
      await removeFinalizer(client, resource, obj, name);
      return {};
    }
    case !state.hasFinalizer && state.deleting:
      return {};
    default:
      await addFinalizer(client, resource, obj, name);
      return {};
  }
}

/**
 * Adds `name` to the object's finalizers, failing (422) if the list changed since `obj` was read. An absent list
 * is tested against null, which the API server accepts for a missing path, as kube-rs does.
 */
export async function addFinalizer<T extends KubeObject>(
  client: KubeClient,
  resource: KubeResource,
  obj: T,
  name: string,
): Promise<T> {
  const current = obj.metadata.finalizers;
  const ops: Operation[] =
    current === undefined
      ? [
          { op: 'test', path: '/metadata/finalizers', value: null },
          { op: 'add', path: '/metadata/finalizers', value: [name] },
        ]
      : [
          // Kubernetes does not de-duplicate finalizers: if anyone added ours meanwhile, fail and re-read.
          { op: 'test', path: '/metadata/finalizers', value: current },
          { op: 'add', path: '/metadata/finalizers/-', value: name },
        ];
  return client.patch<T>(resource, refOf(obj), { type: 'json', ops });
}

/** Removes `name` from the object's finalizers, failing (422) if it is no longer where `obj` had it. */
export async function removeFinalizer<T extends KubeObject>(
  client: KubeClient,
  resource: KubeResource,
  obj: T,
  name: string,
): Promise<T> {
  const index = obj.metadata.finalizers?.indexOf(name) ?? -1;
  if (index === -1) return obj;
  const path = `/metadata/finalizers/${index}`;
  return client.patch<T>(resource, refOf(obj), {
    type: 'json',
    ops: [
      { op: 'test', path, value: name },
      { op: 'remove', path },
    ],
  });
}

function refOf(obj: KubeObject): { namespace?: string; name: string } {
  if (!obj.metadata.name) throw new Error('finalizer: object has no metadata.name');
  return { namespace: obj.metadata.namespace, name: obj.metadata.name };
}
