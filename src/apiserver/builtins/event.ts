import { column, nameColumn } from '../http/table/columns.ts';
import { ageOf } from '../http/table/human-duration.ts';
import type { KubeObject } from '../types.ts';
import { builtinType } from './builtin-type.ts';
import { coreToEventsV1, eventsV1ToCore } from './event-conversion.ts';
import type { KindBehavior, KindTable } from './kind-behavior.ts';

const CORE_FIELDS = [
  'involvedObject',
  'reason',
  'message',
  'source',
  'firstTimestamp',
  'lastTimestamp',
  'count',
  'type',
  'eventTime',
  'series',
  'action',
  'related',
  'reportingComponent',
  'reportingInstance',
];

const EVENTS_V1_FIELDS = [
  'eventTime',
  'series',
  'reportingController',
  'reportingInstance',
  'action',
  'reason',
  'regarding',
  'related',
  'note',
  'type',
  'deprecatedSource',
  'deprecatedFirstTimestamp',
  'deprecatedLastTimestamp',
  'deprecatedCount',
];

const REFERENCE_FIELDS = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];

export const coreEventType = builtinType({
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  namespaced: true,
  shortNames: ['ev'],
  // kubectl describe lists `involvedObject.name=..,involvedObject.uid=..`; the rest are kube's event field labels.
  selectableFields: [
    ...REFERENCE_FIELDS.map((f) => `involvedObject.${f}`),
    'reason',
    'reportingComponent',
    'type',
  ],
});

export const eventsV1Type = builtinType({
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  namespaced: true,
  shortNames: ['ev'],
  selectableFields: [
    ...REFERENCE_FIELDS.map((f) => `regarding.${f}`),
    'reason',
    'reportingController',
    'type',
  ],
});

interface CoreEventView {
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  source?: { component?: string; host?: string };
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  count?: number;
  type?: string;
  reason?: string;
  message?: string;
  reportingComponent?: string;
  reportingInstance?: string;
}

function eventSource(event: CoreEventView): string {
  const component = event.source?.component || event.reportingComponent || '';
  const instance = event.source?.host || event.reportingInstance || '';
  if (!component) return '<unknown>';
  return instance ? `${component}, ${instance}` : component;
}

/** kube's printEvent (pkg/printers/internalversion), wide form: the server always sends every column. */
function coreEventCells(object: KubeObject, now: Date): unknown[] {
  const event = object as unknown as CoreEventView;
  const firstSeen = event.firstTimestamp ? ageOf(event.firstTimestamp, now) : ageOf(event.eventTime, now);
  let lastSeen = event.lastTimestamp ? ageOf(event.lastTimestamp, now) : firstSeen;
  let count = event.count ?? 0;
  if (event.series) {
    lastSeen = ageOf(event.series.lastObservedTime, now);
    count = event.series.count ?? 0;
  } else if (count === 0) {
    count = 1;
  }
  const kind = (event.involvedObject?.kind ?? '').toLowerCase();
  const target = event.involvedObject?.name ? `${kind}/${event.involvedObject.name}` : kind;
  return [
    lastSeen,
    event.type ?? '',
    event.reason ?? '',
    target,
    event.involvedObject?.fieldPath ?? '',
    eventSource(event),
    (event.message ?? '').trim(),
    firstSeen,
    count,
    object.metadata.name,
  ];
}

const eventTable: KindTable = {
  columns: [
    column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column(
      'Reason',
      'string',
      "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    column('Object', 'string', 'The object that this event is about.'),
    column('Subobject', 'string', 'The field path of the object this event is about.', 1),
    column('Source', 'string', 'The component reporting this event.', 1),
    column('Message', 'string', 'A human-readable description of the status of this operation.'),
    column('First Seen', 'string', 'The time at which the event was first recorded.', 1),
    column('Count', 'string', 'The number of times this event has occurred.', 1),
    { ...nameColumn, priority: 1 },
  ],
  cells: coreEventCells,
};

export const coreEventBehavior: KindBehavior = {
  knownFields: CORE_FIELDS,
  allowCreateOnUpdate: true,
  table: eventTable,
};

export const eventsV1Behavior: KindBehavior = {
  knownFields: EVENTS_V1_FIELDS,
  allowCreateOnUpdate: true,
  storage: { resource: '/events', toStorage: eventsV1ToCore, fromStorage: coreToEventsV1 },
  table: { columns: eventTable.columns, cells: (object, now) => coreEventCells(eventsV1ToCore(object), now) },
};
