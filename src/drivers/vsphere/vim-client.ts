// A vim25 SOAP client for the handful of calls the vSphere driver makes: one session (cookie) per client,
// logged in lazily and once more when the server says the session is gone (NotAuthenticated).

import { DriverError } from '../errors.ts';
import type { SoapTransport } from './https-transport.ts';
import {
  buildEnvelope,
  child,
  type MoRef,
  moRef,
  parseEnvelope,
  type SoapArgObject,
  SoapFault,
  text,
  toMoRef,
  type XmlNode,
} from './soap-xml.ts';

/** The managed objects the driver uses, from RetrieveServiceContent. */
export interface ServiceContent {
  propertyCollector: MoRef;
  searchIndex: MoRef;
  sessionManager: MoRef;
  viewManager: MoRef;
  rootFolder: MoRef;
  /** e.g. `VMware vCenter Server 6.5.0 build-5973321` */
  fullName: string;
  apiVersion: string;
}

export interface VimClientOptions {
  transport: SoapTransport;
  username: string;
  password: string;
  /** For messages: the endpoint's host. */
  host: string;
}

/** vSphere's fault for "this call needs a session": the session expired or the server restarted. */
const NOT_AUTHENTICATED = 'NotAuthenticated';

export class VimClient {
  private readonly options: VimClientOptions;
  private content: Promise<ServiceContent> | undefined;
  private cookie: string | undefined;
  private loggingIn: Promise<void> | undefined;
  private soapAction = 'urn:vim25/6.5';
  /** SOAP requests sent, logins included (the benchmark reads this). */
  requestCount = 0;

  constructor(options: VimClientOptions) {
    this.options = options;
  }

  serviceContent(): Promise<ServiceContent> {
    this.content ??= this.fetchServiceContent().catch((err: unknown) => {
      this.content = undefined;
      throw err;
    });
    return this.content;
  }

  /**
   * Calls `method` on `self` in a session: logs in first if needed, and once more if the server answers
   * NotAuthenticated (expired session). Faults come back as SoapFault; transport failures as DriverError.
   */
  async call(
    method: string,
    self: MoRef,
    args: SoapArgObject = {},
  ): Promise<XmlNode | XmlNode[] | undefined> {
    await this.ensureSession();
    try {
      return await this.send(method, { _this: self, ...args });
    } catch (err) {
      if (!(err instanceof SoapFault) || err.faultType !== NOT_AUTHENTICATED) throw err;
      this.cookie = undefined;
      await this.ensureSession();
      return await this.send(method, { _this: self, ...args });
    }
  }

  /** Forgets the session so the next call logs in again (used when a property read reports NotAuthenticated). */
  dropSession(): void {
    this.cookie = undefined;
  }

  async logout(): Promise<void> {
    if (!this.cookie || !this.content) return;
    const content = await this.content;
    try {
      await this.send('Logout', { _this: content.sessionManager });
    } catch {
      // Best effort: the server expires idle sessions on its own.
    }
    this.cookie = undefined;
  }

  private async ensureSession(): Promise<void> {
    if (this.cookie) return;
    this.loggingIn ??= this.login().finally(() => {
      this.loggingIn = undefined;
    });
    await this.loggingIn;
  }

  private async login(): Promise<void> {
    const content = await this.serviceContent();
    try {
      await this.send('Login', {
        _this: content.sessionManager,
        userName: this.options.username,
        password: this.options.password,
      });
    } catch (err) {
      // Whatever the server says about a failed login, the password is never repeated in an error.
      const { password } = this.options;
      const scrub = (message: string) => (password ? message.replaceAll(password, '<password>') : message);
      if (err instanceof SoapFault && err.faultType === 'InvalidLogin') {
        throw new DriverError(
          'AuthenticationFailed',
          `${this.options.host} refused the login of user '${this.options.username}': check the Secret's username and password`,
          { hypervisorMessage: scrub(err.message), retryable: false },
        );
      }
      if (err instanceof SoapFault) throw new SoapFault(err.faultType, scrub(err.message));
      throw err;
    }
    if (!this.cookie) {
      throw new DriverError(
        'DriverFailure',
        `${this.options.host}: Login succeeded but set no session cookie`,
      );
    }
  }

  private async fetchServiceContent(): Promise<ServiceContent> {
    const returnval = await this.send('RetrieveServiceContent', {
      _this: moRef('ServiceInstance', 'ServiceInstance'),
    });
    const ref = (name: string): MoRef => {
      const value = toMoRef(child(returnval, name));
      if (!value) {
        throw new DriverError('DriverFailure', `${this.options.host}: the service content has no ${name}`);
      }
      return value;
    };
    const about = child(returnval, 'about');
    const content: ServiceContent = {
      propertyCollector: ref('propertyCollector'),
      searchIndex: ref('searchIndex'),
      sessionManager: ref('sessionManager'),
      viewManager: ref('viewManager'),
      rootFolder: ref('rootFolder'),
      fullName: text(child(about, 'fullName')),
      apiVersion: text(child(about, 'apiVersion')),
    };
    if (/^\d+\.\d+/.test(content.apiVersion)) this.soapAction = `urn:vim25/${content.apiVersion}`;
    return content;
  }

  private async send(method: string, args: SoapArgObject): Promise<XmlNode | XmlNode[] | undefined> {
    this.requestCount += 1;
    const response = await this.options.transport.post({
      body: buildEnvelope(method, args),
      soapAction: this.soapAction,
      ...(this.cookie ? { cookie: this.cookie } : {}),
    });
    if (response.sessionCookie) this.cookie = response.sessionCookie;
    // Faults arrive as HTTP 500 with a SOAP body: parse first, judge the status only when there is no envelope.
    if (response.status >= 400 && !response.body.includes('Envelope')) {
      throw new DriverError(
        'DriverFailure',
        `${this.options.host}: ${method} answered HTTP ${response.status}`,
        {
          hypervisorMessage: response.body.slice(0, 500),
        },
      );
    }
    return parseEnvelope(response.body);
  }
}
