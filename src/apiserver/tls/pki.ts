import { webcrypto } from 'node:crypto';
import { isIP, SocketAddress } from 'node:net';
import { join } from 'node:path';
// @peculiar/x509 needs the Reflect metadata API at import time (its DI container checks for it).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { readIfExists, writePrivateFile } from './private-file.ts';

/** What the HTTPS server and the kubeconfig need. PEM strings; the key is PKCS#8. */
export interface ServingPki {
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

/** Names the serving certificate is valid for: the server only listens on loopback by default. */
export const SERVING_SANS: readonly x509.JsonGeneralName[] = [
  { type: 'ip', value: '127.0.0.1' },
  { type: 'ip', value: '::1' },
  { type: 'dns', value: 'localhost' },
];

const ALGORITHM: webcrypto.EcKeyGenParams & webcrypto.EcdsaParams = {
  name: 'ECDSA',
  namedCurve: 'P-256',
  hash: 'SHA-256',
};
const CA_VALIDITY_DAYS = 3650;
const SERVING_VALIDITY_DAYS = 365;
/** Certificates this close to expiry are replaced at start instead of being reused. */
const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

const crypto = webcrypto;

export interface PkiOptions {
  /** Names besides SERVING_SANS the serving certificate must carry (the bind address with --allow-remote). */
  extraHosts?: readonly string[];
  now?: Date;
}

/**
 * Loads the control plane's CA and serving certificate from `dir`, creating what is missing, expiring or no longer
 * matching. Idempotent: a second start with valid files reuses them untouched, so kubeconfigs handed out earlier
 * stay valid. A new CA is only made when the old one is missing or about to expire (then the serving cert is
 * re-issued too). Files: ca.crt, ca.key, server.crt, server.key (keys 0600).
 */
export async function ensureServingPki(dir: string, options: PkiOptions = {}): Promise<ServingPki> {
  const now = options.now ?? new Date();
  const sans = [...SERVING_SANS, ...(options.extraHosts ?? []).map(generalName)];
  const paths = {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    cert: join(dir, 'server.crt'),
    key: join(dir, 'server.key'),
  };
  let ca = await loadPair(paths.caCert, paths.caKey);
  if (!ca || !usable(ca.cert, now)) {
    ca = await createCa(now);
    await writePrivateFile(paths.caKey, await keyToPem(ca.privateKey));
    await writePrivateFile(paths.caCert, ca.cert.toString('pem'));
  }
  let serving = await loadPair(paths.cert, paths.key);
  if (
    !serving ||
    !usable(serving.cert, now) ||
    !coversNames(serving.cert, sans) ||
    !(await issuedBy(serving.cert, ca.cert))
  ) {
    serving = await createServingCert(ca, sans, now);
    await writePrivateFile(paths.key, await keyToPem(serving.privateKey));
    await writePrivateFile(paths.cert, serving.cert.toString('pem'));
  }
  return {
    caCertPem: ca.cert.toString('pem'),
    certPem: serving.cert.toString('pem'),
    keyPem: await keyToPem(serving.privateKey),
  };
}

interface CertAndKey {
  cert: x509.X509Certificate;
  privateKey: webcrypto.CryptoKey;
}

async function loadPair(certPath: string, keyPath: string): Promise<CertAndKey | undefined> {
  const [certPem, keyPem] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (certPem === undefined || keyPem === undefined) return undefined;
  try {
    const cert = new x509.X509Certificate(certPem);
    const privateKey = await crypto.subtle.importKey(
      'pkcs8',
      x509.PemConverter.decodeFirst(keyPem),
      ALGORITHM,
      true,
      ['sign'],
    );
    return { cert, privateKey };
  } catch {
    // Unreadable or foreign material is replaced rather than served.
    return undefined;
  }
}

function usable(cert: x509.X509Certificate, now: Date): boolean {
  return (
    cert.notBefore.getTime() <= now.getTime() &&
    cert.notAfter.getTime() - now.getTime() > RENEW_BEFORE_DAYS * DAY_MS
  );
}

function coversNames(cert: x509.X509Certificate, wanted: readonly x509.JsonGeneralName[]): boolean {
  const present = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON() ?? [];
  const normalize = (n: x509.JsonGeneralName) =>
    `${n.type}:${n.type === 'ip' ? canonicalIp(n.value) : n.value}`;
  const have = new Set(present.map(normalize));
  return wanted.every((name) => have.has(normalize(name)));
}

function generalName(host: string): x509.JsonGeneralName {
  return isIP(host) ? { type: 'ip', value: host } : { type: 'dns', value: host };
}

/** `::1` and `0:0:0:0:0:0:0:1` are the same address; compare the parsed form. */
function canonicalIp(value: string): string {
  return isIP(value) === 6 ? new SocketAddress({ address: value, family: 'ipv6' }).address : value;
}

async function issuedBy(cert: x509.X509Certificate, ca: x509.X509Certificate): Promise<boolean> {
  if (cert.issuer !== ca.subject) return false;
  return cert.verify({ publicKey: ca.publicKey, signatureOnly: true }, crypto);
}

async function createCa(now: Date): Promise<CertAndKey> {
  const keys = (await crypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: `CN=vmsnap-ca@${Math.floor(now.getTime() / 1000)}`,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
      keys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { cert, privateKey: keys.privateKey };
}

async function createServingCert(
  ca: CertAndKey,
  sans: x509.JsonGeneralName[],
  now: Date,
): Promise<CertAndKey> {
  const keys = (await crypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: 'CN=vmsnap-apiserver',
      issuer: ca.cert.subject,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + SERVING_VALIDITY_DAYS * DAY_MS),
      publicKey: keys.publicKey,
      signingKey: ca.privateKey,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension(sans, false),
        await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false, crypto),
      ],
    },
    crypto,
  );
  return { cert, privateKey: keys.privateKey };
}

async function keyToPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** Positive 128-bit serial (leading byte < 0x80 keeps the DER integer positive). */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
