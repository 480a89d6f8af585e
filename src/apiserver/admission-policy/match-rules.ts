import type { Labels } from '../query/label-selector.ts';
import { labelSelectorFromObject } from '../query/label-selector-object.ts';
import type { KubeObject } from '../types.ts';
import type { AdmissionAttributes, MatchResources, RuleWithOperations } from './policy-types.ts';

/**
 * Whether one NamedRuleWithOperations covers a request, as kube's admission rule matcher reads it
 * (k8s.io/apiserver/pkg/admission/plugin/webhook/predicates/rules): `*` is a wildcard for every list; a
 * resource `x` matches only the main resource, `x/status` that subresource, `x/*` every subresource of x,
 * `*\/status` that subresource of any resource and `*` every main resource (not subresources).
 */
export function ruleMatches(rule: RuleWithOperations, request: AdmissionAttributes): boolean {
  return (
    listMatches(rule.operations, request.operation) &&
    listMatches(rule.apiGroups, request.group) &&
    listMatches(rule.apiVersions, request.version) &&
    resourceMatches(rule.resources ?? [], request.resource, request.subresource) &&
    scopeMatches(rule.scope, request.namespaced) &&
    (rule.resourceNames === undefined ||
      rule.resourceNames.length === 0 ||
      rule.resourceNames.includes(request.name))
  );
}

function listMatches(values: string[] | undefined, actual: string): boolean {
  return (values ?? []).some((value) => value === '*' || value === actual);
}

function resourceMatches(patterns: string[], resource: string, subresource: string): boolean {
  const full = subresource ? `${resource}/${subresource}` : resource;
  return patterns.some((pattern) => {
    if (pattern === '*/*' || pattern === full) return true;
    const [res, sub] = pattern.split('/', 2);
    if (sub === undefined) return res === '*' && subresource === '';
    if (res === '*') return sub === subresource;
    return res === resource && sub === '*' && subresource !== '';
  });
}

function scopeMatches(scope: string | undefined, namespaced: boolean): boolean {
  if (scope === undefined || scope === '*') return true;
  return scope === (namespaced ? 'Namespaced' : 'Cluster');
}

/**
 * matchConstraints (policy) or matchResources (binding): included by resourceRules, not excluded by
 * excludeResourceRules, and both selectors match. An absent selector means "everything" here (kube defaults
 * both to `{}`); a request for a namespaced object is matched against its Namespace's labels, a Namespace
 * against its own, other cluster-scoped objects always pass the namespaceSelector. The objectSelector passes
 * when either the new or the old object's labels match.
 *
 * `requireRules`: a policy's matchConstraints must list resourceRules; a binding's matchResources without
 * resourceRules only narrows by its selectors and excludes.
 */
export function matchResources(
  match: MatchResources | undefined,
  request: AdmissionAttributes,
  namespaceLabels: (namespace: string) => Labels | undefined,
  requireRules: boolean,
): boolean {
  if (!match) return !requireRules;
  const rules = match.resourceRules;
  if ((requireRules || rules !== undefined) && !(rules ?? []).some((rule) => ruleMatches(rule, request)))
    return false;
  if ((match.excludeResourceRules ?? []).some((rule) => ruleMatches(rule, request))) return false;
  if (!namespaceSelectorMatches(match, request, namespaceLabels)) return false;
  const objectSelector = labelSelectorFromObject(match.objectSelector ?? {});
  return [request.object, request.oldObject].some(
    (candidate) => candidate !== undefined && objectSelector.matches(labelsOf(candidate)),
  );
}

function namespaceSelectorMatches(
  match: MatchResources,
  request: AdmissionAttributes,
  namespaceLabels: (namespace: string) => Labels | undefined,
): boolean {
  const selector = labelSelectorFromObject(match.namespaceSelector ?? {});
  if (selector.requirements.length === 0) return true;
  if (request.namespaced) return selector.matches(namespaceLabels(request.namespace) ?? {});
  if (request.group === '' && request.resource === 'namespaces')
    return selector.matches(labelsOf(request.object ?? request.oldObject));
  return true;
}

function labelsOf(object: Record<string, unknown> | undefined): Labels {
  return ((object as KubeObject | undefined)?.metadata?.labels as Labels | undefined) ?? {};
}
