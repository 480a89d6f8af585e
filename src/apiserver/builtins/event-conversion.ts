import type { KubeObject } from '../types.ts';

/**
 * core/v1 Event field <-> events.k8s.io/v1 Event field, as kube's conversion functions pair them. Storage is the
 * core/v1 form (as in kube), so an Event written through either API is read back through both.
 * Fields with the same name in both (eventTime, series, action, reason, related, type, reportingInstance) are
 * copied as they are.
 */
const RENAMED: ReadonlyArray<readonly [core: string, eventsV1: string]> = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['reportingComponent', 'reportingController'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];

function renamed(
  object: KubeObject,
  apiVersion: string,
  pairs: ReadonlyArray<readonly [string, string]>,
): KubeObject {
  const out: KubeObject = { ...object, apiVersion, kind: 'Event' };
  for (const [from, to] of pairs) {
    delete out[from];
    if (object[from] !== undefined) out[to] = object[from];
  }
  return out;
}

export function eventsV1ToCore(object: KubeObject): KubeObject {
  return renamed(
    object,
    'v1',
    RENAMED.map(([core, v1]) => [v1, core] as const),
  );
}

export function coreToEventsV1(object: KubeObject): KubeObject {
  return renamed(object, 'events.k8s.io/v1', RENAMED);
}
