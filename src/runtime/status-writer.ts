import type { KubeClient } from './kube-client.ts';
import type { KubeObject, KubeResource } from './kube-object.ts';
import { createMergePatch, jsonEqual } from './merge-patch.ts';

/** An object with a status the writer may replace. */
export type WithStatus = KubeObject & { status?: unknown };

/** The status type of `T`, without the `undefined` of its optional field. */
export type StatusOf<T extends WithStatus> = NonNullable<T['status']>;

export interface StatusWriteResult<T> {
  /** False when the new status equalled the one read, so nothing was sent. */
  written: boolean;
  /** The object as the server returned it, or `current` unchanged when nothing was written. */
  object: T;
}

/**
 * Writes `status` through the status subresource, and only when it changed: a controller that recomputes the same
 * status on every reconcile sends nothing (KubeVirt once rewrote VM status on every pass and loaded the API
 * server). `current` must be the object as last read: it is both what "changed" is measured against and, for
 * guarded writes, the resourceVersion the write is conditional on.
 */
export class StatusWriter {
  readonly #client: KubeClient;

  constructor(client: KubeClient) {
    this.#client = client;
  }

  /**
   * Merge-patches the difference between `current.status` and `status` (removed fields are sent as null, lists
   * whole). Last writer wins per field: use it for status this controller alone owns.
   */
  async patch<T extends WithStatus>(
    resource: KubeResource,
    current: T,
    status: StatusOf<T>,
  ): Promise<StatusWriteResult<T>> {
    const diff = createMergePatch(current.status ?? {}, status);
    if (diff === undefined) return { written: false, object: current };
    const ref = { namespace: current.metadata.namespace, name: current.metadata.name ?? '' };
    const object = await this.#client.patchStatus<T>(resource, ref, {
      type: 'merge',
      body: { status: diff },
    });
    return { written: true, object };
  }

  /**
   * Replaces the status, conditional on `current.metadata.resourceVersion`: if anyone changed the object since it
   * was read, the server answers 409 Conflict (a KubeError; see isConflict) and nothing is written. Use it where two
   * writers may race for the same field, such as taking a VM's hold: the loser re-reads and sees the winner.
   */
  async replace<T extends WithStatus>(
    resource: KubeResource,
    current: T,
    status: StatusOf<T>,
  ): Promise<StatusWriteResult<T>> {
    if (jsonEqual(current.status ?? {}, status)) return { written: false, object: current };
    if (!current.metadata.resourceVersion) {
      throw new Error(
        `StatusWriter.replace: ${current.metadata.namespace ?? ''}/${current.metadata.name}: object has no ` +
          'metadata.resourceVersion, so the write could not be guarded',
      );
    }
    const object = await this.#client.replaceStatus<T>(resource, { ...current, status });
    return { written: true, object };
  }
}
