// Builds the apiextensions.k8s.io/v1 CustomResourceDefinition of each kind from its zod schemas.
import { GROUP, KINDS, type Kind, VERSION } from '../group.ts';
import { CATEGORY, crdName, KIND_DEFINITIONS, type KindDefinition } from './definitions.ts';
import { type SchemaNode, toStructuralSchema, zodToOpenApi } from './structural-schema.ts';

export type CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: SchemaNode;
};

export function buildCrd(kind: Kind): CustomResourceDefinition {
  const definition = KIND_DEFINITIONS[kind];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName(definition), labels: { 'app.kubernetes.io/part-of': 'vmsnap' } },
    spec: {
      group: GROUP,
      names: {
        kind,
        listKind: `${kind}List`,
        plural: definition.plural,
        singular: definition.singular,
        shortNames: definition.shortNames,
        categories: [CATEGORY],
      },
      scope: definition.shape.namespaced ? 'Namespaced' : 'Cluster',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: definition.printerColumns,
          selectableFields: definition.selectableFields.map((jsonPath) => ({ jsonPath })),
          schema: { openAPIV3Schema: openApiV3Schema(kind, definition) },
        },
      ],
    },
  };
}

export function buildAllCrds(): CustomResourceDefinition[] {
  return KINDS.map(buildCrd);
}

/** The whole object's schema. metadata is left to the API server (it validates names and labels itself). */
export function openApiV3Schema(kind: Kind, definition: KindDefinition = KIND_DEFINITIONS[kind]): SchemaNode {
  return {
    type: 'object',
    description: definition.description,
    properties: {
      apiVersion: {
        type: 'string',
        description: 'Versioned schema of this representation of an object: vmsnap.io/v1alpha1.',
      },
      kind: { type: 'string', description: `The REST resource this object represents: ${kind}.` },
      metadata: { type: 'object' },
      spec: toStructuralSchema(zodToOpenApi(definition.shape.spec), '.spec'),
      status: toStructuralSchema(zodToOpenApi(definition.shape.status), '.status'),
    },
    required: ['spec'],
  };
}
