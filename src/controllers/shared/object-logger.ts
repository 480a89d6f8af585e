import type { ObjectIdentity } from '../../api/parse.ts';
import type { ReconcileContext } from '../../runtime/controller.ts';

/**
 * The reconcile context with a logger that names the object being reconciled and the hypervisor it acts on, so
 * every step line can be found by uid (names are reused after a delete) or by hypervisor (what an operator of a
 * troubled host greps for). The object goes under `object`, not flat `name`/`namespace`: pino's own `name` field
 * (the logger's name, "vmsnap") would otherwise appear twice in one JSON line. `hypervisor` is absent while the
 * object's VM or Hypervisor is not known.
 */
export function withObjectLogger(
  ctx: ReconcileContext,
  identity: Pick<ObjectIdentity, 'kind' | 'namespace' | 'name' | 'uid'>,
  hypervisor: string | undefined,
): ReconcileContext {
  const { kind, namespace, name, uid } = identity;
  return { ...ctx, log: ctx.log.child({ object: { kind, namespace, name, uid }, hypervisor }) };
}

const QUIET_STEPS = new Set(['Wait', 'Done', 'Observe']);

/**
 * One line per step a reconcile carries out, at info: what a user follows an operation by. Wait, Done and the
 * VirtualMachine's Observe repeat on every requeue or resync without anything happening, so they go to debug.
 */
export function logStep(
  ctx: ReconcileContext,
  step: string,
  message: string,
  fields: Record<string, unknown> = {},
): void {
  if (QUIET_STEPS.has(step)) ctx.log.debug({ step, ...fields }, message);
  else ctx.log.info({ step, ...fields }, message);
}
