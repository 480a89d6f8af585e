import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane } from '../../src/apiserver/server.ts';
import { startTestControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { httpsRequest } from '../support/https.ts';
import { makeTempDir, removeTempDir } from '../support/temp-dir.ts';

describe('control plane TLS, token auth and kubeconfig', () => {
  let dataDir: string;
  let cp: TestControlPlane;

  beforeAll(async () => {
    dataDir = await makeTempDir('tls');
    cp = await startTestControlPlane({ dataDir });
  });
  afterAll(async () => {
    await cp?.stop();
    await removeTempDir(dataDir);
  });

  it('serves HTTPS only, with a certificate for the loopback names signed by its CA', async () => {
    expect(cp.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const cert = new X509Certificate(await readFile(join(dataDir, 'pki', 'server.crt')));
    const ca = new X509Certificate(cp.caCertPem);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toMatch(/IP Address:(::1|0:0:0:0:0:0:0:1)/);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const plain = await fetch(cp.url.replace('https:', 'http:')).then(
      (res) => res.status,
      () => 'refused',
    );
    expect(plain).not.toBe(200);
  });

  it('keeps keys, token and kubeconfig readable by the owner only', async () => {
    for (const file of ['pki/ca.key', 'pki/server.key', 'token', 'kubeconfig']) {
      expect(((await stat(join(dataDir, file))).mode & 0o777).toString(8), file).toBe('600');
    }
  });

  it('answers 401 with a Status without the token or with a wrong one', async () => {
    for (const token of [undefined, 'wrong', `${cp.token}x`]) {
      const res = await httpsRequest(cp, '/api', token === undefined ? {} : { token });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
    }
    expect((await httpsRequest(cp, '/api', { token: cp.token })).status).toBe(200);
  });

  it('lets health probes through anonymously', async () => {
    for (const path of ['/healthz', '/readyz', '/livez']) {
      const res = await httpsRequest(cp, path);
      expect([res.status, res.body]).toEqual([200, 'ok']);
    }
  });

  it('reports a 1.32 server version', async () => {
    const res = await httpsRequest(cp, '/version', { token: cp.token });
    expect(JSON.parse(res.body)).toMatchObject({
      major: '1',
      minor: '32',
      gitVersion: expect.stringMatching(/^v1\.32\./),
    });
  });

  it('writes a kubeconfig with the embedded CA, the token and the vmsnap-local context', async () => {
    const config = load(await readFile(cp.kubeconfigPath, 'utf8')) as {
      'current-context': string;
      clusters: Array<{ cluster: Record<string, string> }>;
      users: Array<{ user: { token: string } }>;
    };
    expect(config['current-context']).toBe('vmsnap-local');
    const cluster = config.clusters[0]?.cluster ?? {};
    expect(cluster.server).toBe(cp.url);
    expect(Buffer.from(cluster['certificate-authority-data'] ?? '', 'base64').toString()).toBe(cp.caCertPem);
    expect(cluster['insecure-skip-tls-verify']).toBeUndefined();
    expect(config.users[0]?.user.token).toBe(cp.token);
  });

  it('reuses CA, serving certificate and token on restart in the same data dir', async () => {
    const before = {
      ca: cp.caCertPem,
      token: cp.token,
      cert: await readFile(join(dataDir, 'pki', 'server.crt'), 'utf8'),
    };
    await cp.stop();
    cp = await startTestControlPlane({ dataDir });
    expect(cp.caCertPem).toBe(before.ca);
    expect(cp.token).toBe(before.token);
    expect(await readFile(join(dataDir, 'pki', 'server.crt'), 'utf8')).toBe(before.cert);
    expect((await httpsRequest(cp, '/api', { token: before.token })).status).toBe(200);
  });

  it('fails to start on a taken port without keeping the data dir locked', async () => {
    const takenPort = Number(new URL(cp.url).port);
    const other = await makeTempDir('tls-other');
    try {
      await expect(
        startControlPlane({ dataDir: other, port: takenPort, logger: pino({ level: 'silent' }) }),
      ).rejects.toThrow(/EADDRINUSE/);
      const retry = await startTestControlPlane({ dataDir: other });
      await retry.stop();
    } finally {
      await removeTempDir(other);
    }
  });
});
