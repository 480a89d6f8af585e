import protobuf from 'protobufjs';
import { errors } from '../errors.ts';

/**
 * Request bodies in Kubernetes' protobuf encoding, which kubectl >= 1.32 sends for `kubectl create namespace`,
 * `create configmap` and `create secret` (its typed clients default to protobuf, with no JSON fallback on 415).
 * Only the kinds kubectl's typed clients create are decoded; anything else stays a 415.
 *
 * Wire format: the magic prefix `k8s\0`, then a runtime.Unknown message whose `raw` holds the object encoded
 * with the field numbers of k8s.io/api's generated.proto. Field names below are the JSON names, so a decoded
 * message is already the object's JSON form apart from timestamps (metav1.Time is {seconds, nanos}).
 */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const string = (id: number) => ({ type: 'string', id });
const stringMap = (id: number) => ({ keyType: 'string', type: 'string', id });

const descriptor = {
  nested: {
    TypeMeta: { fields: { apiVersion: string(1), kind: string(2) } },
    Unknown: {
      fields: {
        typeMeta: { type: 'TypeMeta', id: 1 },
        raw: { type: 'bytes', id: 2 },
        contentEncoding: string(3),
        contentType: string(4),
      },
    },
    Time: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
    OwnerReference: {
      fields: {
        kind: string(1),
        name: string(3),
        uid: string(4),
        apiVersion: string(5),
        controller: { type: 'bool', id: 6 },
        blockOwnerDeletion: { type: 'bool', id: 7 },
      },
    },
    ObjectMeta: {
      fields: {
        name: string(1),
        generateName: string(2),
        namespace: string(3),
        uid: string(5),
        resourceVersion: string(6),
        generation: { type: 'int64', id: 7 },
        creationTimestamp: { type: 'Time', id: 8 },
        deletionTimestamp: { type: 'Time', id: 9 },
        deletionGracePeriodSeconds: { type: 'int64', id: 10 },
        labels: stringMap(11),
        annotations: stringMap(12),
        ownerReferences: { rule: 'repeated', type: 'OwnerReference', id: 13 },
        finalizers: { rule: 'repeated', type: 'string', id: 14 },
      },
    },
    NamespaceSpec: { fields: { finalizers: { rule: 'repeated', type: 'string', id: 1 } } },
    NamespaceStatus: { fields: { phase: string(1) } },
    Namespace: {
      fields: {
        metadata: { type: 'ObjectMeta', id: 1 },
        spec: { type: 'NamespaceSpec', id: 2 },
        status: { type: 'NamespaceStatus', id: 3 },
      },
    },
    ConfigMap: {
      fields: {
        metadata: { type: 'ObjectMeta', id: 1 },
        data: stringMap(2),
        binaryData: { keyType: 'string', type: 'bytes', id: 3 },
        immutable: { type: 'bool', id: 4 },
      },
    },
    Secret: {
      fields: {
        metadata: { type: 'ObjectMeta', id: 1 },
        data: { keyType: 'string', type: 'bytes', id: 2 },
        type: string(3),
        stringData: stringMap(4),
        immutable: { type: 'bool', id: 5 },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

/** apiVersion/kind -> message type, for the kinds kubectl's typed clients send. */
const DECODABLE: Record<string, string> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
};

const CONVERSION: protobuf.IConversionOptions = {
  longs: Number,
  bytes: String,
  defaults: false,
  arrays: false,
  objects: false,
};

export function isProtobufEnvelope(body: Buffer): boolean {
  return body.subarray(0, MAGIC.length).equals(MAGIC);
}

/** Decodes a protobuf-encoded object body to its JSON form; 415 for kinds we cannot decode, 400 for garbage. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (!isProtobufEnvelope(body))
    throw errors.badRequest('provided object is not a protobuf message (missing the k8s magic prefix)');
  let envelope: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array };
  try {
    const unknown = root.lookupType('Unknown');
    envelope = unknown.toObject(unknown.decode(body.subarray(MAGIC.length)), {
      defaults: false,
    }) as typeof envelope;
  } catch (error) {
    throw errors.badRequest(`unable to decode protobuf body: ${(error as Error).message}`);
  }
  const apiVersion = envelope.typeMeta?.apiVersion ?? '';
  const kind = envelope.typeMeta?.kind ?? '';
  const messageName = DECODABLE[`${apiVersion}/${kind}`];
  if (!messageName)
    throw errors.unsupportedMediaType(`application/vnd.kubernetes.protobuf (${apiVersion}, Kind=${kind})`);
  let object: Record<string, unknown>;
  try {
    const type = root.lookupType(messageName);
    object = type.toObject(type.decode(envelope.raw ?? new Uint8Array()), CONVERSION);
  } catch (error) {
    throw errors.badRequest(`unable to decode ${kind} from protobuf: ${(error as Error).message}`);
  }
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  for (const field of ['creationTimestamp', 'deletionTimestamp']) {
    const time = metadata[field] as { seconds?: number } | undefined;
    if (time?.seconds === undefined) delete metadata[field];
    else metadata[field] = `${new Date(time.seconds * 1000).toISOString().slice(0, 19)}Z`;
  }
  return { apiVersion, kind, ...object, metadata };
}
