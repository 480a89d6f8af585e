import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureServingPki } from '../../src/apiserver/tls/pki.ts';
import { makeTempDir, removeTempDir } from '../support/temp-dir.ts';

const DAY = 24 * 60 * 60 * 1000;

describe('ensureServingPki', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('pki');
  });
  afterEach(() => removeTempDir(dir));

  it('reuses valid material and re-issues only the serving cert when it is about to expire', async () => {
    const first = await ensureServingPki(dir);
    expect(await ensureServingPki(dir)).toEqual(first);

    const in340Days = new Date(Date.now() + 340 * DAY);
    const renewed = await ensureServingPki(dir, { now: in340Days });
    expect(renewed.caCertPem).toBe(first.caCertPem);
    expect(renewed.certPem).not.toBe(first.certPem);
    expect(new X509Certificate(renewed.certPem).verify(new X509Certificate(first.caCertPem).publicKey)).toBe(
      true,
    );
  });

  it('re-issues the serving cert when an extra host is needed, keeping the CA', async () => {
    const first = await ensureServingPki(dir);
    const withHost = await ensureServingPki(dir, { extraHosts: ['192.0.2.10', 'vmsnap.example'] });
    expect(withHost.caCertPem).toBe(first.caCertPem);
    const sans = new X509Certificate(withHost.certPem).subjectAltName ?? '';
    expect(sans).toContain('IP Address:192.0.2.10');
    expect(sans).toContain('DNS:vmsnap.example');
    expect(await ensureServingPki(dir, { extraHosts: ['192.0.2.10', 'vmsnap.example'] })).toEqual(withHost);
  });

  it('replaces unreadable key material instead of failing', async () => {
    const first = await ensureServingPki(dir);
    await writeFile(join(dir, 'server.key'), 'garbage');
    const repaired = await ensureServingPki(dir);
    expect(repaired.caCertPem).toBe(first.caCertPem);
    expect(await readFile(join(dir, 'server.key'), 'utf8')).toBe(repaired.keyPem);
  });

  it('makes a new CA when the old one is about to expire', async () => {
    const first = await ensureServingPki(dir);
    const later = await ensureServingPki(dir, { now: new Date(Date.now() + 3640 * DAY) });
    expect(later.caCertPem).not.toBe(first.caCertPem);
  });
});
