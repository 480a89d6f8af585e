import type { ResourceType } from '../../src/apiserver/types.ts';

/** A namespaced custom type for discovery/OpenAPI tests that do not need a CRD. */
export function stubType(overrides: Partial<ResourceType> = {}): ResourceType {
  return {
    group: 'stub.example.com',
    version: 'v1',
    kind: 'Widget',
    listKind: 'WidgetList',
    plural: 'widgets',
    singular: 'widget',
    shortNames: ['wd'],
    categories: ['all'],
    namespaced: true,
    hasStatus: true,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    printerColumns: [],
    schema: {
      type: 'object',
      properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
    },
    selectableFields: [],
    custom: true,
    ...overrides,
  };
}
