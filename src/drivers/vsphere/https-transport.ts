// The one HTTPS connection pool a vSphere driver talks through: keep-alive (a lifecycle is ~10 requests; a TLS
// handshake per request would dominate), TLS verified against the Secret's CA or the system CAs.

import { Agent, request } from 'node:https';
import { DriverError } from '../errors.ts';

export interface SoapHttpRequest {
  body: string;
  soapAction: string;
  /** `vmware_soap_session=...`, once logged in. */
  cookie?: string;
}

export interface SoapHttpResponse {
  status: number;
  body: string;
  /** The session cookie the server set (name=value), if any. */
  sessionCookie?: string;
}

/** Sends one SOAP request; replaced in unit tests by a player of recorded responses. */
export interface SoapTransport {
  post(request: SoapHttpRequest): Promise<SoapHttpResponse>;
  close(): void;
}

export interface HttpsTransportOptions {
  /** https://HOST[:PORT]/sdk */
  url: URL;
  /** PEM CA bundle to trust instead of the system CAs. */
  ca?: string;
  /** Skips certificate verification. Off unless explicitly set; for labs only. */
  insecure?: boolean;
  /** Per request; default 60 s. Tasks are polled, so no single request should take long. */
  timeoutMs?: number;
}

const SESSION_COOKIE = 'vmware_soap_session';

/** Node's codes for "the certificate chain or name did not verify". */
const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export class HttpsTransport implements SoapTransport {
  private readonly options: HttpsTransportOptions;
  private readonly agent: Agent;

  constructor(options: HttpsTransportOptions) {
    this.options = options;
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 4,
      ...(options.ca ? { ca: options.ca } : {}),
      rejectUnauthorized: options.insecure !== true,
    });
  }

  post(soap: SoapHttpRequest): Promise<SoapHttpResponse> {
    const { url } = this.options;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          timeout: this.options.timeoutMs ?? 60_000,
          headers: {
            'Content-Type': 'text/xml; charset=utf-8',
            SOAPAction: soap.soapAction,
            'Content-Length': Buffer.byteLength(soap.body),
            ...(soap.cookie ? { Cookie: soap.cookie } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (err) => reject(this.toDriverError(err)));
          res.on('end', () => {
            const sessionCookie = sessionCookieOf(res.headers['set-cookie']);
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              ...(sessionCookie ? { sessionCookie } : {}),
            });
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(new DriverError('OperationTimeout', `${url.host}: no answer in time`)),
      );
      req.on('error', (err) => reject(this.toDriverError(err)));
      req.end(soap.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private toDriverError(err: Error): DriverError {
    if (err instanceof DriverError) return err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const host = this.options.url.host;
    if (TLS_VERIFY_CODES.has(code)) {
      return new DriverError(
        'TLSVerificationFailed',
        `the TLS certificate of ${host} is not trusted (${code}): put the vCenter CA into the Secret's ca.crt`,
        { hypervisorMessage: err.message, retryable: false, cause: err },
      );
    }
    return new DriverError('HypervisorUnreachable', `cannot reach ${host}`, {
      hypervisorMessage: `${code ? `${code}: ` : ''}${err.message}`,
      cause: err,
    });
  }
}

function sessionCookieOf(header: string[] | undefined): string | undefined {
  for (const line of header ?? []) {
    const pair = line.split(';', 1)[0]?.trim() ?? '';
    if (pair.startsWith(`${SESSION_COOKIE}=`)) return pair;
  }
  return undefined;
}
