// Which VirtualMachines a schedule covers: metav1.LabelSelector semantics (all matchLabels and all
// matchExpressions must hold; an empty selector selects everything), or an explicit list of names.
import type { LabelSelector, LabelSelectorRequirement, ScheduleTarget } from '../../api/index.ts';

/** The names of the VMs in `vms` (one namespace) the target selects, sorted; listed names that do not exist are left out. */
export function selectVmNames(
  target: ScheduleTarget,
  vms: readonly { name: string; labels: Readonly<Record<string, string>> }[],
): string[] {
  const selected =
    target.by === 'names'
      ? vms.filter((vm) => target.vmNames.includes(vm.name))
      : vms.filter((vm) => labelsMatch(target.selector, vm.labels));
  return selected.map((vm) => vm.name).sort();
}

export function labelsMatch(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((requirement) => requirementHolds(requirement, labels));
}

function requirementHolds(
  requirement: LabelSelectorRequirement,
  labels: Readonly<Record<string, string>>,
): boolean {
  const value = labels[requirement.key];
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
  }
}
