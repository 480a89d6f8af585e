// What the Argo CD health check of each vmsnap kind adds to template.lua. The slots run with `hs`, `obj`,
// `condition(type)`, `say(condition)` and `ready` (the Ready condition, or nil) in scope; see the template for
// where each one runs. A kind with no entry in a slot gets the template's behaviour alone.
import type { Kind } from '../../src/api/group.ts';

export interface KindSlots {
  /**
   * Runs after the deletion, first-sight and generation checks and before Stalled / Reconciling / Ready are
   * read: a verdict that must win over the kstatus trio returns `hs` here.
   */
  beforeConditions?: string;
  /** Runs when Ready=True, after `hs` was set to Healthy with the Ready condition's message: refines either. */
  whenReady?: string;
}

export const KIND_SLOTS: Readonly<Record<Kind, KindSlots>> = {
  Hypervisor: {},
  VirtualMachine: {
    beforeConditions: `
-- The domain is not on the hypervisor: the thing this object stands for does not exist.
if ready ~= nil and ready.status ~= "True" and ready.reason == "DomainNotFound" then
  hs.status = "Missing"
  hs.message = say(ready)
  return hs
end`,
    whenReady: `
-- A held VM is healthy: the hold is an operation on it, not a state of it. Say who holds it.
local hold = obj.status.hold
if hold ~= nil and hold.holder ~= nil then
  hs.message = hs.message .. "; held by " .. tostring(hold.holder.kind) .. " " .. tostring(hold.holder.name)
    .. " (" .. tostring(hold.operation) .. ") since " .. tostring(hold.since)
end`,
  },
  VMSnapshot: {
    whenReady: `
if obj.status.snapshotName ~= nil then
  hs.message = "Snapshot " .. obj.status.snapshotName .. " is ready to use"
end`,
  },
  VMRevert: {},
  VMSnapshotSchedule: {
    whenReady: `
-- Suspended is Ready with nothing to do until resumed: Argo CD's own word for it, as for a suspended CronJob.
if ready.reason == "Suspended" then
  hs.status = "Suspended"
elseif obj.status.lastScheduleTime ~= nil then
  hs.message = hs.message .. "; last run " .. obj.status.lastScheduleTime
end`,
  },
};
