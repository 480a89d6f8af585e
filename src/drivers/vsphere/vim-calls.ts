// The vim25 methods the driver needs, typed: property reads, VM search, and the snapshot/power tasks.

import {
  child,
  children,
  type MoRef,
  SoapFault,
  text,
  toMoRef,
  typed,
  type XmlNode,
  xsiType,
} from './soap-xml.ts';
import type { VimClient } from './vim-client.ts';

export type PropertyValues = ReadonlyMap<string, XmlNode>;

/**
 * Reads `paths` of one object. Paths the object lacks (e.g. `snapshot` of a VM without snapshots) are absent
 * from the map. A missing-property fault of NotAuthenticated (how some servers report an expired session
 * here, instead of a SOAP fault) is raised as a SoapFault so the session is renewed and the read repeated.
 */
export async function readProperties(
  client: VimClient,
  obj: MoRef,
  paths: readonly string[],
): Promise<PropertyValues> {
  try {
    return await readOnce(client, obj, paths);
  } catch (err) {
    if (!(err instanceof SoapFault) || err.faultType !== 'NotAuthenticated') throw err;
    client.dropSession();
    return readOnce(client, obj, paths);
  }
}

async function readOnce(client: VimClient, obj: MoRef, paths: readonly string[]): Promise<PropertyValues> {
  const { propertyCollector } = await client.serviceContent();
  const returnval = await client.call('RetrieveProperties', propertyCollector, {
    specSet: {
      propSet: { type: obj.type, pathSet: [...paths] },
      objectSet: { obj },
    },
  });
  const values = new Map<string, XmlNode>();
  for (const objectContent of asList(returnval)) {
    for (const missing of children(objectContent, 'missingSet')) {
      const fault = child(child(missing, 'fault'), 'fault');
      const faultType = xsiType(fault);
      if (faultType === 'NotAuthenticated' || faultType === 'ManagedObjectNotFound') {
        throw new SoapFault(faultType, `cannot read ${text(child(missing, 'path'))} of ${obj.value}`);
      }
    }
    for (const prop of children(objectContent, 'propSet')) {
      const val = child(prop, 'val');
      if (val !== undefined) values.set(text(child(prop, 'name')), val);
    }
  }
  return values;
}

/** `name` of every VirtualMachine in the inventory, through a container view on the root folder. */
export async function listVmNames(client: VimClient): Promise<Array<{ vm: MoRef; name: string }>> {
  const content = await client.serviceContent();
  const view = toMoRef(
    asList(
      await client.call('CreateContainerView', content.viewManager, {
        container: content.rootFolder,
        type: 'VirtualMachine',
        recursive: true,
      }),
    )[0],
  );
  if (!view) throw new SoapFault('MalformedResponse', 'CreateContainerView returned no view');
  try {
    const returnval = await client.call('RetrieveProperties', content.propertyCollector, {
      specSet: {
        propSet: { type: 'VirtualMachine', pathSet: 'name' },
        objectSet: {
          obj: view,
          skip: true,
          selectSet: typed('TraversalSpec', { type: 'ContainerView', path: 'view', skip: false }),
        },
      },
    });
    return asList(returnval).flatMap((objectContent) => {
      const vm = toMoRef(child(objectContent, 'obj'));
      const name = text(child(child(objectContent, 'propSet'), 'val'));
      return vm ? [{ vm, name }] : [];
    });
  } finally {
    await client.call('DestroyView', view).catch(() => undefined);
  }
}

export async function findByInventoryPath(client: VimClient, path: string): Promise<MoRef | undefined> {
  const { searchIndex } = await client.serviceContent();
  return toMoRef(asList(await client.call('FindByInventoryPath', searchIndex, { inventoryPath: path }))[0]);
}

/** instanceUuid: true looks up vCenter's instance UUID, false the BIOS UUID (config.uuid). */
export async function findByUuid(
  client: VimClient,
  uuid: string,
  instanceUuid: boolean,
): Promise<MoRef | undefined> {
  const { searchIndex } = await client.serviceContent();
  const returnval = await client.call('FindByUuid', searchIndex, { uuid, vmSearch: true, instanceUuid });
  return toMoRef(asList(returnval)[0]);
}

/** Starts a `*_Task` method; returns the Task's moref at once (the work runs on the server). */
export async function startTask(
  client: VimClient,
  method: string,
  self: MoRef,
  args: Parameters<VimClient['call']>[2] = {},
): Promise<MoRef> {
  const task = toMoRef(asList(await client.call(method, self, args))[0]);
  if (!task) throw new SoapFault('MalformedResponse', `${method} returned no task`);
  return task;
}

export type TaskOutcome =
  | { state: 'success'; result: MoRef | undefined }
  | { state: 'error'; faultType: string; message: string; fault: XmlNode | undefined };

export interface TaskWaitOptions {
  /** Give up after this long (the task keeps running on the server). */
  timeoutMs: number;
  /** First poll delay; doubles up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/** Polls the task's info until it succeeds or fails; undefined if it does not finish within timeoutMs. */
export async function waitForTask(
  client: VimClient,
  task: MoRef,
  options: TaskWaitOptions,
): Promise<TaskOutcome | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  let delay = options.initialDelayMs ?? 50;
  for (;;) {
    const info = await readProperties(client, task, ['info.state', 'info.result', 'info.error']);
    const state = text(info.get('info.state'));
    if (state === 'success') return { state, result: toMoRef(info.get('info.result')) };
    if (state === 'error') {
      const error = info.get('info.error');
      const fault = child(error, 'fault');
      return {
        state,
        faultType: xsiType(fault) ?? 'Unknown',
        message: text(child(error, 'localizedMessage')),
        fault,
      };
    }
    if (Date.now() + delay > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, options.maxDelayMs ?? 1000);
  }
}

function asList(value: XmlNode | XmlNode[] | undefined): XmlNode[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
