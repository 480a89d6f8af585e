-- Argo CD health check for vmsnap.io/VirtualMachine.
-- Reads the kstatus conditions every vmsnap kind carries (exactly one of Ready, Reconciling, Stalled is True),
-- so Argo CD and Flux agree: Stalled -> Degraded, Reconciling -> Progressing, Ready -> Healthy.
-- Written for Argo CD's Lua 5.1 VM (gopher-lua); keep to the subset Lua 5.1 and 5.3 share.
local hs = {}

local function condition(kind)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local function say(c)
  if c.message ~= nil and c.message ~= "" then
    return c.reason .. ": " .. c.message
  end
  return c.reason
end

if obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Pending deletion"
  return hs
end
if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the vmsnap operator to pick up this VirtualMachine"
  return hs
end
if obj.status.observedGeneration ~= nil and obj.metadata.generation ~= nil
    and obj.status.observedGeneration ~= obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the vmsnap operator to observe generation " .. tostring(obj.metadata.generation)
  return hs
end

-- The domain is not on the hypervisor: the thing this object stands for does not exist.
local bound = condition("Ready")
if bound ~= nil and bound.status ~= "True" and bound.reason == "DomainNotFound" then
  hs.status = "Missing"
  hs.message = say(bound)
  return hs
end
local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = say(stalled)
  return hs
end
local reconciling = condition("Reconciling")
if reconciling ~= nil and reconciling.status == "True" then
  hs.status = "Progressing"
  hs.message = say(reconciling)
  return hs
end
local ready = condition("Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = say(ready)
  local hold = obj.status.hold
  if hold ~= nil and hold.holder ~= nil then
    hs.message = hs.message .. "; held by " .. tostring(hold.holder.kind) .. " " .. tostring(hold.holder.name)
      .. " (" .. tostring(hold.operation) .. ") since " .. tostring(hold.since)
  end
  return hs
end
hs.status = "Progressing"
if ready ~= nil then
  hs.message = say(ready)
else
  hs.message = "Waiting for the vmsnap operator to pick up this VirtualMachine"
end
return hs
