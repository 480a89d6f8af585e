import protobuf from 'protobufjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, type Json, startHarness } from './harness.ts';

// Encodes like client-go does (k8s.io/api generated.proto field numbers), independently of the server's decoder.
function entry(writer: protobuf.Writer, field: number, key: string, value: string | Uint8Array): void {
  const inner = protobuf.Writer.create().uint32(10).string(key);
  if (typeof value === 'string') inner.uint32(18).string(value);
  else inner.uint32(18).bytes(value);
  writer.uint32((field << 3) | 2).bytes(inner.finish());
}

function objectMeta(name: string, labels: Record<string, string>): Uint8Array {
  const meta = protobuf.Writer.create().uint32(10).string(name);
  for (const [k, v] of Object.entries(labels)) entry(meta, 11, k, v);
  return meta.finish();
}

function envelope(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  const typeMeta = protobuf.Writer.create().uint32(10).string(apiVersion).uint32(18).string(kind).finish();
  const unknown = protobuf.Writer.create().uint32(10).bytes(typeMeta).uint32(18).bytes(raw).finish();
  return Buffer.concat([Buffer.from('k8s\0', 'binary'), unknown]);
}

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

async function post(path: string, body: Uint8Array) {
  const res = await fetch(`${h.url}${path}`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/vnd.kubernetes.protobuf',
      accept: 'application/vnd.kubernetes.protobuf,application/json',
    },
  });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: (await res.json()) as Json,
  };
}

describe('protobuf request bodies (kubectl >= 1.32 create)', () => {
  it('creates a Namespace, a ConfigMap and a Secret and answers in JSON', async () => {
    const ns = await post(
      '/api/v1/namespaces',
      envelope(
        'v1',
        'Namespace',
        protobuf.Writer.create()
          .uint32(10)
          .bytes(objectMeta('team', { a: 'b' }))
          .finish(),
      ),
    );
    expect(ns.status).toBe(201);
    expect(ns.type).toBe('application/json');
    expect(ns.body).toMatchObject({
      kind: 'Namespace',
      metadata: { name: 'team', labels: { a: 'b' } },
      status: { phase: 'Active' },
    });

    const cmRaw = protobuf.Writer.create().uint32(10).bytes(objectMeta('cfg', {}));
    entry(cmRaw, 2, 'key', 'value');
    const cm = await post('/api/v1/namespaces/team/configmaps', envelope('v1', 'ConfigMap', cmRaw.finish()));
    expect(cm.status).toBe(201);
    expect(cm.body.data).toEqual({ key: 'value' });

    const secretRaw = protobuf.Writer.create().uint32(10).bytes(objectMeta('sec', {}));
    entry(secretRaw, 2, 'pw', new TextEncoder().encode('s3cret'));
    secretRaw.uint32(26).string('Opaque');
    const secret = await post(
      '/api/v1/namespaces/team/secrets',
      envelope('v1', 'Secret', secretRaw.finish()),
    );
    expect(secret.status).toBe(201);
    expect(secret.body.data).toEqual({ pw: Buffer.from('s3cret').toString('base64') });
  });

  it('answers 415 for kinds it cannot decode and 400 for bodies that are not protobuf', async () => {
    const lease = await post(
      '/apis/coordination.k8s.io/v1/namespaces/default/leases',
      envelope('coordination.k8s.io/v1', 'Lease', new Uint8Array()),
    );
    expect(lease.status).toBe(415);
    const garbage = await post('/api/v1/namespaces', new TextEncoder().encode('{"kind":"Namespace"}'));
    expect(garbage.status).toBe(400);
  });
});
