import type { JsonObject, ResourceType } from '../types.ts';
import { ref, STATUS_REF, schemaName } from './schemas.ts';

// The operations kube-apiserver publishes for one resource type. kubectl reads two things from them: an operation
// whose `x-kubernetes-group-version-kind` names the kind (a missing one is an error for `apply`), and whether its
// PATCH operation takes the `fieldValidation` query parameter (then kubectl leaves validation to the server).

function query(name: string, schema: JsonObject, description: string): JsonObject {
  return { name, in: 'query', description, schema, 'x-kubernetes-unique-name': name } as JsonObject;
}

const str = { type: 'string', uniqueItems: true };
const bool = { type: 'boolean', uniqueItems: true };
const int = { type: 'integer', uniqueItems: true };

const DRY_RUN = query(
  'dryRun',
  str,
  'When present, indicates that modifications should not be persisted (All).',
);
const FIELD_MANAGER = query(
  'fieldManager',
  str,
  'A name associated with the actor or entity making these changes.',
);
const FIELD_VALIDATION = query(
  'fieldValidation',
  str,
  'How the server treats unknown or duplicate fields in the request: Ignore, Warn (the default) or Strict.',
);
const FORCE = query(
  'force',
  bool,
  'Force is going to "force" Apply requests (re-acquire conflicting fields).',
);
const PRETTY = query('pretty', str, "If 'true', then the output is pretty printed.");
const LIST_PARAMETERS = [
  query('allowWatchBookmarks', bool, 'Requests watch events with type "BOOKMARK".'),
  query('continue', str, 'Not supported: lists are never paginated.'),
  query('fieldSelector', str, 'A selector to restrict the list of returned objects by their fields.'),
  query('labelSelector', str, 'A selector to restrict the list of returned objects by their labels.'),
  query('limit', int, 'Accepted and ignored: lists are returned whole.'),
  query('resourceVersion', str, 'Where a watch starts; lists always return the latest state.'),
  query('timeoutSeconds', int, 'Timeout for the list/watch call.'),
  query('watch', bool, 'Watch for changes to the described resources.'),
];

const WRITE_PARAMETERS = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
const JSON_TYPES = ['application/json', 'application/yaml'];
/**
 * No strategic-merge-patch here on purpose: when kubectl finds it advertised it computes the patch from this
 * document's (minimal) built-in schemas; without it kubectl uses its compiled-in patch metadata for built-ins
 * and a JSON merge patch for custom resources, exactly as against kube-apiserver's CRDs.
 */
const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/apply-patch+yaml',
];

function content(types: string[], schema: JsonObject): JsonObject {
  return Object.fromEntries(types.map((t) => [t, { schema }]));
}

function pathParam(name: string, description: string): JsonObject {
  return { name, in: 'path', required: true, description, schema: str };
}

export interface OperationPaths {
  [path: string]: JsonObject;
}

/** Every path of one type: collection, object, /status and (namespaced types) the all-namespaces list. */
export function pathsFor(type: ResourceType): OperationPaths {
  const prefix = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const scope = type.namespaced ? '/namespaces/{namespace}' : '';
  const collection = `${prefix}${scope}/${type.plural}`;
  const gvk = { group: type.group, version: type.version, kind: type.kind };
  const object = ref(schemaName(type));
  const list = ref(schemaName(type, type.listKind));
  const status = ref(STATUS_REF);
  const scoped = type.namespaced ? 'Namespaced' : '';

  const operation = (
    action: string,
    operationId: string,
    responseSchema: JsonObject,
    parameters: JsonObject[],
    requestTypes?: string[],
  ): JsonObject => ({
    tags: [type.group === '' ? `core_${type.version}` : `${type.group}_${type.version}`],
    description: `${action} ${type.kind}`,
    operationId,
    parameters,
    ...(requestTypes ? { requestBody: { content: content(requestTypes, object), required: true } } : {}),
    responses: {
      '200': {
        description: 'OK',
        content: content(['application/json', 'application/yaml'], responseSchema),
      },
      '401': { description: 'Unauthorized' },
    },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
  });

  const common = [...(type.namespaced ? [pathParam('namespace', 'object name and auth scope')] : []), PRETTY];
  const named = [pathParam('name', `name of the ${type.kind}`), ...common];
  const paths: OperationPaths = {
    [collection]: {
      get: operation('list', `list${scoped}${type.kind}`, list, LIST_PARAMETERS),
      post: operation('post', `create${scoped}${type.kind}`, object, WRITE_PARAMETERS, JSON_TYPES),
      delete: operation('deletecollection', `deleteCollection${scoped}${type.kind}`, status, [
        DRY_RUN,
        ...LIST_PARAMETERS,
      ]),
      parameters: common,
    },
    [`${collection}/{name}`]: {
      get: operation('get', `read${scoped}${type.kind}`, object, []),
      put: operation('put', `replace${scoped}${type.kind}`, object, WRITE_PARAMETERS, JSON_TYPES),
      patch: operation(
        'patch',
        `patch${scoped}${type.kind}`,
        object,
        [...WRITE_PARAMETERS, FORCE],
        PATCH_TYPES,
      ),
      delete: operation('delete', `delete${scoped}${type.kind}`, status, [DRY_RUN]),
      parameters: named,
    },
  };
  if (type.hasStatus) {
    paths[`${collection}/{name}/status`] = {
      get: operation('get', `read${scoped}${type.kind}Status`, object, []),
      put: operation('put', `replace${scoped}${type.kind}Status`, object, WRITE_PARAMETERS, JSON_TYPES),
      patch: operation(
        'patch',
        `patch${scoped}${type.kind}Status`,
        object,
        [...WRITE_PARAMETERS, FORCE],
        PATCH_TYPES,
      ),
      parameters: named,
    };
  }
  if (type.namespaced) {
    paths[`${prefix}/${type.plural}`] = {
      get: operation('list', `list${type.kind}ForAllNamespaces`, list, LIST_PARAMETERS),
      parameters: [PRETTY],
    };
  }
  return paths;
}
