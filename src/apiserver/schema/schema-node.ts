/**
 * The parts of a CRD openAPIV3Schema (apiextensions.k8s.io/v1 JSONSchemaProps) that the pipeline interprets.
 * Schemas arrive as untyped JSON from stored CRDs; these accessors read them defensively so a malformed node
 * degrades to "no constraint" instead of throwing mid-request (checkStructuralSchema rejects such CRDs up front).
 */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export interface SchemaNode {
  type?: string;
  format?: string;
  nullable?: boolean;
  default?: unknown;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  allOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  not?: SchemaNode;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: ValidationRule[];
  [keyword: string]: unknown;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asNode(value: unknown): SchemaNode | undefined {
  return isPlainObject(value) ? (value as SchemaNode) : undefined;
}

export function propertiesOf(node: SchemaNode): Record<string, SchemaNode> | undefined {
  return isPlainObject(node.properties) ? (node.properties as Record<string, SchemaNode>) : undefined;
}

export function propertyOf(node: SchemaNode, key: string): SchemaNode | undefined {
  const props = propertiesOf(node);
  return props && Object.hasOwn(props, key) ? asNode(props[key]) : undefined;
}

/**
 * The schema that applies to map values. Kubernetes' structural form turns `additionalProperties: true` into a
 * present-but-empty value schema (null schema): keys are kept, their contents are unknown.
 */
export function additionalPropertiesOf(node: SchemaNode): { schema: SchemaNode | undefined } | undefined {
  const ap = node.additionalProperties;
  if (ap === undefined || ap === false) return undefined;
  return { schema: asNode(ap) };
}

export function itemsOf(node: SchemaNode): SchemaNode | undefined {
  return asNode(node.items);
}

export const isPreserveUnknown = (node: SchemaNode | undefined): boolean =>
  node?.['x-kubernetes-preserve-unknown-fields'] === true;
export const isEmbeddedResource = (node: SchemaNode | undefined): boolean =>
  node?.['x-kubernetes-embedded-resource'] === true;
export const isIntOrString = (node: SchemaNode | undefined): boolean =>
  node?.['x-kubernetes-int-or-string'] === true;

export function validationRulesOf(node: SchemaNode): ValidationRule[] {
  const rules = node['x-kubernetes-validations'];
  return Array.isArray(rules) ? rules.filter(isPlainObject).map((r) => r as unknown as ValidationRule) : [];
}

/** Deep copy of a JSON value (defaults must never be shared between objects). */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}
