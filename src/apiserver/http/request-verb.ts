import { errors } from '../errors.ts';
import type { ResourceTarget } from './request-target.ts';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/**
 * The Kubernetes verb of a request: method + whether it names an object + watch. 405 when the path cannot take
 * the method (POST to an object, writes to an all-namespaces collection) or the type does not serve the verb.
 */
export function verbOf(method: string, target: ResourceTarget, watch: boolean): Verb {
  const verb = target.name === undefined ? collectionVerb(method, watch) : objectVerb(method, watch);
  const allNamespaces = target.type.namespaced && target.namespace === undefined;
  const readOnly = verb === 'list' || verb === 'watch';
  if (!verb || (allNamespaces && !readOnly) || !target.type.verbs.includes(verb))
    throw errors.methodNotAllowed(method);
  return verb;
}

function collectionVerb(method: string, watch: boolean): Verb | undefined {
  if (method === 'GET') return watch ? 'watch' : 'list';
  if (method === 'POST') return 'create';
  if (method === 'DELETE') return 'deletecollection';
  return undefined;
}

function objectVerb(method: string, watch: boolean): Verb | undefined {
  if (method === 'GET') return watch ? 'watch' : 'get';
  if (method === 'PUT') return 'update';
  if (method === 'PATCH') return 'patch';
  if (method === 'DELETE') return 'delete';
  return undefined;
}
