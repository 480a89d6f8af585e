// SOAP responses for unit tests, in the exact shape vcsim (govmomi 0.24.2) sent them on this machine (captured
// with curl against test/support/vsphere/vcsim). Where real vSphere answers differently from vcsim (power state
// after a revert, the quiesce fault without VMware Tools, the snapshot-level limit, an expired session), the
// values are edited to what VMware's vSphere API reference documents (fault types ApplicationQuiesceFault,
// ToolsUnavailable, TooManySnapshotLevels, NotAuthenticated, NoPermission; `suppressPowerOn` leaving the VM not running). None was
// captured from a real vCenter: none can run here.

import type { SoapHttpRequest, SoapHttpResponse, SoapTransport } from '../../../src/drivers/vsphere/index.ts';

const XSI = 'xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance"';

export function envelope(body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
  );
}

export const serviceContent = envelope(
  '<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval><rootFolder type="Folder">group-d1</rootFolder><propertyCollector type="PropertyCollector">propertyCollector</propertyCollector><viewManager type="ViewManager">ViewManager</viewManager><about><name>VMware vCenter Server</name><fullName>VMware vCenter Server 6.5.0 build-5973321</fullName><vendor>VMware, Inc.</vendor><version>6.5.0</version><build>5973321</build><apiType>VirtualCenter</apiType><apiVersion>6.5</apiVersion></about><sessionManager type="SessionManager">SessionManager</sessionManager><searchIndex type="SearchIndex">SearchIndex</searchIndex></returnval></RetrieveServiceContentResponse>',
);

export const login = envelope(
  '<LoginResponse xmlns="urn:vim25"><returnval><key>483501cc-d339-4cdb-885f-3ff50bb73b75</key><userName>user</userName><fullName>user</fullName><locale>en_US</locale><messageLocale>en_US</messageLocale><extensionSession>false</extensionSession></returnval></LoginResponse>',
);

export function fault(faultType: string, message: string, detail = ''): string {
  return envelope(
    `<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>${message}</faultstring><detail><${faultType}Fault xmlns="urn:vim25" xsi:type="${faultType}">${detail}</${faultType}Fault></detail></soapenv:Fault>`,
  );
}

/** Real vSphere answers a call with an expired session with this SOAP fault (vcsim: a missingSet entry). */
export const notAuthenticated = fault(
  'NotAuthenticated',
  'The session is not authenticated.',
  '<object type="Folder">group-d1</object><privilegeId>System.View</privilegeId>',
);

export function foundVm(method: 'FindByInventoryPath' | 'FindByUuid', vm: string): string {
  return envelope(
    `<${method}Response xmlns="urn:vim25"><returnval type="VirtualMachine">${vm}</returnval></${method}Response>`,
  );
}

export function taskStarted(method: string, task: string): string {
  return envelope(
    `<${method}Response xmlns="urn:vim25"><returnval type="Task">${task}</returnval></${method}Response>`,
  );
}

export interface RecordedSnapshot {
  moref: string;
  name: string;
  description: string;
  /** Real vSphere: poweredOff for a snapshot taken without memory, whatever the VM's state was. */
  state: 'poweredOn' | 'poweredOff' | 'suspended';
  children?: RecordedSnapshot[];
}

function snapshotTree(s: RecordedSnapshot, tag: string, vm: string): string {
  const kids = (s.children ?? []).map((c) => snapshotTree(c, 'childSnapshotList', vm)).join('');
  return `<${tag}><snapshot type="VirtualMachineSnapshot">${s.moref}</snapshot><vm type="VirtualMachine">${vm}</vm><name>${xmlEscape(s.name)}</name><description>${xmlEscape(s.description)}</description><id>1</id><createTime>2026-11-25T04:19:17.626072653Z</createTime><state>${s.state}</state><quiesced>false</quiesced><replaySupported>false</replaySupported>${kids}</${tag}>`;
}

export function vmProperties(input: {
  vm: string;
  name: string;
  power: 'poweredOn' | 'poweredOff' | 'suspended';
  roots?: RecordedSnapshot[];
  current?: string;
}): string {
  const { vm } = input;
  const prop = (name: string, type: string, value: string) =>
    `<propSet><name>${name}</name><val ${XSI} XMLSchema-instance:type="${type}">${value}</val></propSet>`;
  const snapshot = input.roots?.length
    ? `<propSet><name>snapshot</name><val ${XSI} XMLSchema-instance:type="VirtualMachineSnapshotInfo">${input.current ? `<currentSnapshot type="VirtualMachineSnapshot">${input.current}</currentSnapshot>` : ''}${input.roots.map((r) => snapshotTree(r, 'rootSnapshotList', vm)).join('')}</val></propSet>`
    : '';
  return envelope(
    `<RetrievePropertiesResponse xmlns="urn:vim25"><returnval><obj type="VirtualMachine">${vm}</obj>${snapshot}${prop('runtime.powerState', 'VirtualMachinePowerState', input.power)}${prop('config.uuid', 'xsd:string', '265104de-1472-547c-b873-6dc7883fb6cb')}${prop('config.instanceUuid', 'xsd:string', 'b4689bed-97f0-5bcd-8a4c-07477cc8f06f')}${prop('name', 'xsd:string', input.name)}</returnval></RetrievePropertiesResponse>`,
  );
}

export function taskSuccess(task: string, result?: { type: string; value: string }): string {
  const resultProp = result
    ? `<propSet><name>info.result</name><val ${XSI} XMLSchema-instance:type="ManagedObjectReference" type="${result.type}">${result.value}</val></propSet>`
    : '';
  return envelope(
    `<RetrievePropertiesResponse xmlns="urn:vim25"><returnval><obj type="Task">${task}</obj><propSet><name>info.state</name><val ${XSI} XMLSchema-instance:type="TaskInfoState">success</val></propSet>${resultProp}</returnval></RetrievePropertiesResponse>`,
  );
}

/** A task the server is still working on (vcsim never shows this: its tasks finish within the call). */
export function taskRunning(task: string): string {
  return envelope(
    `<RetrievePropertiesResponse xmlns="urn:vim25"><returnval><obj type="Task">${task}</obj><propSet><name>info.state</name><val ${XSI} XMLSchema-instance:type="TaskInfoState">running</val></propSet></returnval></RetrievePropertiesResponse>`,
  );
}

export function taskError(task: string, faultType: string, message: string, faultBody = ''): string {
  return envelope(
    `<RetrievePropertiesResponse xmlns="urn:vim25"><returnval><obj type="Task">${task}</obj><propSet><name>info.state</name><val ${XSI} XMLSchema-instance:type="TaskInfoState">error</val></propSet><propSet><name>info.error</name><val ${XSI} XMLSchema-instance:type="LocalizedMethodFault"><fault XMLSchema-instance:type="${faultType}">${faultBody}</fault><localizedMessage>${xmlEscape(message)}</localizedMessage></val></propSet></returnval></RetrievePropertiesResponse>`,
  );
}

function xmlEscape(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&#34;')
    .replaceAll("'", '&#39;')
    .replaceAll('\n', '&#xA;');
}

export interface ReplayedRequest {
  method: string;
  body: string;
  cookie: string | undefined;
}

/**
 * Answers each request with the next scripted response, checking the method is the one expected; the
 * requests are kept for assertions. Login responses set a session cookie, as the server does.
 */
export class ReplayTransport implements SoapTransport {
  readonly requests: ReplayedRequest[] = [];
  private readonly script: Array<{ method: string; response: string }>;

  constructor(script: Array<{ method: string; response: string }>) {
    this.script = [...script];
  }

  async post(request: SoapHttpRequest): Promise<SoapHttpResponse> {
    const method = /<soapenv:Body><(\w+)/.exec(request.body)?.[1] ?? '?';
    this.requests.push({ method, body: request.body, cookie: request.cookie });
    const next = this.script.shift();
    if (!next) throw new Error(`unexpected request ${method}: the script is exhausted`);
    if (next.method !== method) throw new Error(`expected request ${next.method}, got ${method}`);
    const isFault = next.response.includes('<soapenv:Fault>');
    return {
      status: isFault ? 500 : 200,
      body: next.response,
      ...(method === 'Login' && !isFault
        ? { sessionCookie: `vmware_soap_session=session-${this.requests.length}` }
        : {}),
    };
  }

  /** Scripted responses not asked for: the driver made fewer requests than recorded. */
  remaining(): string[] {
    return this.script.map((s) => s.method);
  }

  close(): void {}
}
