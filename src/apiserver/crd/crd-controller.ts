import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { TypeRegistry } from '../registry.ts';
import type { SchemaPipeline, SchemaPipelineFactory } from '../schema/pipeline.ts';
import type { Store, StoreEvent } from '../storage/store.ts';
import { type JsonObject, type KubeObject, type ResourceType, storageResource } from '../types.ts';
import { findNameConflict } from './crd-names.ts';
import { desiredCrdStatus } from './crd-status.ts';
import { CRD_RESOURCE, type CrdView, readCrd, servedTypes } from './crd-types.ts';

export interface CrdControllerDeps {
  store: Store;
  registry: TypeRegistry;
  createPipeline: SchemaPipelineFactory;
  /** Writes a CRD's status subresource through the server's own write path (so watchers see it like any write). */
  writeStatus(crd: KubeObject): void | Promise<void>;
  clock: () => Date;
  logger: Logger;
}

export interface CrdController {
  /** The cached validation pipeline of a custom type; undefined for built-ins. */
  pipelineFor(type: ResourceType): SchemaPipeline | undefined;
  stop(): void;
}

/**
 * Serves CustomResourceDefinitions: every served version of a stored CRD becomes a ResourceType in the registry
 * (with a compiled SchemaPipeline), and the CRD's status says so (NamesAccepted, Established).
 *
 * - Registration is synchronous inside the store event, so a CRD is in discovery before the response to the
 *   write that created it reaches the client. Types of CRDs already stored are registered before this returns,
 *   so a restarted server serves them from its first request.
 * - Status writes and cascading deletes are deferred to a queue (writing from inside a store event would
 *   re-enter the store). Each queued item is level-based: it re-reads the CRD and converges, so repeats and
 *   missed intermediate states are harmless, and a crash before the write is repaired on the next start.
 * - A CRD asking for a name another CRD of its group already serves is not served (NamesAccepted False); it is
 *   re-examined when that other CRD goes away.
 * - Deleting a CRD removes its types at once and then deletes every stored object of the resource (finalizers
 *   of those objects are not waited for).
 */
export function startCrdController(deps: CrdControllerDeps): CrdController {
  const { store, registry, logger } = deps;
  const pipelines = new Map<string, { schema: JsonObject | undefined; pipeline: SchemaPipeline }>();
  const accepted = new Map<string, CrdView>(); // by CRD name: CRDs whose names are served
  const rejected = new Map<string, string>(); // by CRD name: why its names were refused
  const registered = new Map<string, ResourceType[]>(); // by CRD name
  const pending = new Set<string>(); // CRD names whose status needs converging
  const purges = new Set<string>(); // storage resources whose objects must go
  let scheduled = false;
  let stopped = false;

  const register = (crd: KubeObject): void => {
    const view = readCrd(crd);
    if (!view) {
      logger.warn({ crd: crd.metadata.name }, 'ignoring malformed CustomResourceDefinition');
      return;
    }
    const conflict = findNameConflict(view, accepted.values());
    if (conflict !== undefined) {
      if (accepted.has(view.name)) stopServing(view);
      rejected.set(view.name, conflict);
      logger.warn({ crd: view.name, conflict }, 'CustomResourceDefinition names conflict; not serving it');
      return;
    }
    rejected.delete(view.name);
    accepted.set(view.name, view);
    const types = servedTypes(view).filter((type) => compile(type));
    if (isDeepStrictEqual(registered.get(view.name), types)) return;
    registry.remove(view.group, view.names.plural);
    for (const type of types) registry.add(type);
    registered.set(view.name, types);
    logger.info({ crd: view.name, versions: types.map((t) => t.version) }, 'serving custom resource');
  };

  const compile = (type: ResourceType): boolean => {
    const key = typeKey(type);
    if (isDeepStrictEqual(pipelines.get(key)?.schema, type.schema)) return true;
    try {
      pipelines.set(key, { schema: type.schema, pipeline: deps.createPipeline(type.schema ?? {}) });
      return true;
    } catch (error) {
      logger.error(
        { err: error, type: key },
        'cannot compile the schema of a custom resource version; not serving it',
      );
      return false;
    }
  };

  const stopServing = (view: CrdView): void => {
    registry.remove(view.group, view.names.plural);
    registered.delete(view.name);
    accepted.delete(view.name);
    for (const key of pipelines.keys()) {
      if (key.startsWith(`${view.group}/`) && key.endsWith(`/${view.names.plural}`)) pipelines.delete(key);
    }
  };

  const unregister = (crd: KubeObject): void => {
    const view = readCrd(crd);
    rejected.delete(crd.metadata.name ?? '');
    if (!view || !accepted.has(view.name)) return;
    stopServing(view);
    purges.add(storageResource({ group: view.group, plural: view.names.plural }));
    // Names it held may now be free for a CRD that was refused them.
    for (const name of rejected.keys()) {
      const waiting = store.get({ resource: CRD_RESOURCE, namespace: '', name });
      if (waiting) {
        register(waiting);
        pending.add(name);
      }
    }
    schedule();
    logger.info({ crd: view.name }, 'stopped serving custom resource');
  };

  const schedule = (): void => {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void drain();
    });
  };

  const drain = async (): Promise<void> => {
    for (const resource of [...purges]) {
      purges.delete(resource);
      purge(resource);
    }
    for (const name of [...pending]) {
      pending.delete(name);
      if (stopped) return;
      try {
        await convergeStatus(name);
      } catch (error) {
        logger.error({ err: error, crd: name }, 'cannot write CustomResourceDefinition status; retrying');
        pending.add(name);
        setTimeout(schedule, 1000).unref();
      }
    }
  };

  const purge = (resource: string): void => {
    // A CRD re-created in the meantime owns the resource again: keep its objects.
    const [group, plural] = splitResource(resource);
    if (registry.all().some((t) => t.group === group && t.plural === plural)) return;
    for (const object of store.list(resource).items) {
      const key = { resource, namespace: object.metadata.namespace ?? '', name: object.metadata.name ?? '' };
      try {
        store.delete(key);
      } catch (error) {
        logger.warn({ err: error, key }, 'cannot delete an object of a deleted custom resource');
      }
    }
  };

  const convergeStatus = async (name: string): Promise<void> => {
    const crd = store.get({ resource: CRD_RESOURCE, namespace: '', name });
    const view = crd && readCrd(crd);
    if (!crd || !view || (!accepted.has(name) && !rejected.has(name))) return;
    const current = crd.status as JsonObject | undefined;
    const desired = desiredCrdStatus(view, current, deps.clock().toISOString(), rejected.get(name));
    if (isDeepStrictEqual(current, desired)) return;
    await deps.writeStatus({ ...crd, status: desired });
  };

  const onEvent = (event: StoreEvent): void => {
    if (event.type === 'DELETED') {
      unregister(event.object);
      return;
    }
    register(event.object);
    pending.add(event.object.metadata.name ?? '');
    schedule();
  };

  const initial = store.list(CRD_RESOURCE);
  // Oldest first, so after a restart the CRD that was accepted first keeps contested names.
  const age = (crd: KubeObject) => `${crd.metadata.creationTimestamp ?? ''}/${crd.metadata.name ?? ''}`;
  const byAge = [...initial.items].sort((a, b) => (age(a) < age(b) ? -1 : age(a) > age(b) ? 1 : 0));
  for (const crd of byAge) {
    register(crd);
    pending.add(crd.metadata.name ?? '');
  }
  const stopWatch = store.watch(CRD_RESOURCE, undefined, initial.revision, onEvent);
  schedule();

  return {
    pipelineFor(type) {
      return type.custom ? pipelines.get(typeKey(type))?.pipeline : undefined;
    },
    stop() {
      stopped = true;
      stopWatch();
    },
  };
}

function typeKey(type: Pick<ResourceType, 'group' | 'version' | 'plural'>): string {
  return `${type.group}/${type.version}/${type.plural}`;
}

function splitResource(resource: string): [string, string] {
  const slash = resource.lastIndexOf('/');
  return [resource.slice(0, slash), resource.slice(slash + 1)];
}
