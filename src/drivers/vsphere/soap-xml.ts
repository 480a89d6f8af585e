// vim25 SOAP envelopes, built and parsed with fast-xml-parser so user text (snapshot names, descriptions) is
// always escaped by the library and never concatenated into XML by hand.

import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/** A managed object reference as the wire carries it: `<_this type="VirtualMachine">vm-57</_this>`. */
export interface MoRef {
  type: string;
  value: string;
}

/**
 * A request argument. Object keys keep their order: vSphere's schema validates element order. An object with
 * exactly the string fields `type` and `value` is written as a moref (no vim25 data object has that shape).
 */
export type SoapArg = string | number | boolean | MoRef | TypedObject | SoapArgObject | readonly SoapArg[];
export interface SoapArgObject {
  readonly [element: string]: SoapArg | undefined;
}
/** An object sent with an explicit `xsi:type` (needed where the schema names a base type, e.g. selectSet). */
export interface TypedObject {
  readonly xsiType: string;
  readonly fields: SoapArgObject;
}

/** A parsed response element: text, or attributes (`@_name`) and child elements; repeated children as arrays. */
export type XmlNode = string | { [key: string]: XmlNode | XmlNode[] | undefined };

export class SoapFault extends Error {
  /** The fault's vim25 type, e.g. `InvalidLogin`, `NotAuthenticated`, `ManagedObjectNotFound`. */
  readonly faultType: string;
  readonly detail: XmlNode | undefined;
  constructor(faultType: string, message: string, detail?: XmlNode) {
    super(message);
    this.name = 'SoapFault';
    this.faultType = faultType;
    this.detail = detail;
  }
}

export function moRef(type: string, value: string): MoRef {
  return { type, value };
}

export function typed(xsiType: string, fields: SoapArgObject): TypedObject {
  return { xsiType, fields };
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  suppressBooleanAttributes: false,
});

// htmlEntities: the server escapes newlines and quotes as numeric references (&#xA;, &#34;); decoding them in
// the parser's single pass keeps `&amp;#34;` as the literal text `&#34;`.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  htmlEntities: true,
  // Element prefixes (soapenv:) go; attribute prefixes stay: `xsi:type` and a moref's `type` can share an element.
  transformTagName: (name) => name.slice(name.indexOf(':') + 1),
});

export function buildEnvelope(method: string, args: SoapArgObject): string {
  const body = {
    [method]: { '@_xmlns': 'urn:vim25', ...toBuilderObject(args) },
  };
  const envelope = {
    'soapenv:Envelope': {
      '@_xmlns:soapenv': 'http://schemas.xmlsoap.org/soap/envelope/',
      '@_xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
      'soapenv:Body': body,
    },
  };
  return `<?xml version="1.0" encoding="UTF-8"?>${builder.build(envelope)}`;
}

/** The response's `returnval` (undefined for void methods); throws SoapFault for a SOAP fault. */
export function parseEnvelope(xml: string): XmlNode | XmlNode[] | undefined {
  let document: unknown;
  try {
    document = parser.parse(xml);
  } catch (err) {
    throw new SoapFault('MalformedResponse', `the server sent a response that is not XML: ${String(err)}`);
  }
  const body = child(child(document as XmlNode, 'Envelope'), 'Body');
  if (body === undefined || typeof body === 'string') {
    throw new SoapFault('MalformedResponse', 'the server sent XML without a SOAP Body');
  }
  const fault = child(body, 'Fault');
  if (fault !== undefined) throw toSoapFault(fault);
  const response = Object.entries(body).find(([key]) => !key.startsWith('@_'))?.[1];
  if (response === undefined || typeof response === 'string' || Array.isArray(response)) return undefined;
  return response.returnval;
}

function toSoapFault(fault: XmlNode): SoapFault {
  const message = text(child(fault, 'faultstring')) || 'unknown SOAP fault';
  const detail = child(fault, 'detail');
  const first =
    detail && typeof detail !== 'string'
      ? Object.entries(detail).find(([key]) => !key.startsWith('@_'))
      : undefined;
  const node = first?.[1];
  const element = first?.[0] ?? 'Unknown';
  const single = Array.isArray(node) ? node[0] : node;
  const faultType = xsiType(single) ?? element.replace(/Fault$/, '');
  return new SoapFault(faultType, message, single);
}

// ---- Reading parsed nodes ----

export function child(node: XmlNode | XmlNode[] | undefined, name: string): XmlNode | undefined {
  const single = Array.isArray(node) ? node[0] : node;
  if (single === undefined || typeof single === 'string') return undefined;
  const value = single[name];
  return Array.isArray(value) ? value[0] : value;
}

export function children(node: XmlNode | XmlNode[] | undefined, name: string): XmlNode[] {
  const single = Array.isArray(node) ? node[0] : node;
  if (single === undefined || typeof single === 'string') return [];
  const value = single[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** An element's text; '' for an empty element or a missing one. */
export function text(node: XmlNode | XmlNode[] | undefined): string {
  const single = Array.isArray(node) ? node[0] : node;
  if (single === undefined) return '';
  if (typeof single === 'string') return single;
  const value = single['#text'];
  return typeof value === 'string' ? value : '';
}

export function attribute(node: XmlNode | undefined, name: string): string | undefined {
  if (node === undefined || typeof node === 'string') return undefined;
  const value = node[`@_${name}`];
  return typeof value === 'string' ? value : undefined;
}

/** The `xsi:type` attribute, whatever prefix the server bound the XML Schema instance namespace to. */
export function xsiType(node: XmlNode | undefined): string | undefined {
  if (node === undefined || typeof node === 'string') return undefined;
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@_') && key.endsWith(':type') && typeof value === 'string') {
      return value.slice(value.indexOf(':') + 1);
    }
  }
  return undefined;
}

export function toMoRef(node: XmlNode | undefined): MoRef | undefined {
  const type = attribute(node, 'type');
  const value = text(node);
  return type && value ? { type, value } : undefined;
}

// ---- Building ----

function toBuilderObject(args: SoapArgObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (value !== undefined) out[key] = toBuilderValue(value);
  }
  return out;
}

function toBuilderValue(value: SoapArg): unknown {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (isArray(value)) return value.map(toBuilderValue);
  if (isMoRef(value)) return { '@_type': value.type, '#text': value.value };
  if (isTyped(value)) return { '@_xsi:type': value.xsiType, ...toBuilderObject(value.fields) };
  return toBuilderObject(value);
}

function isArray(value: SoapArg): value is readonly SoapArg[] {
  return Array.isArray(value);
}

function isMoRef(value: SoapArg): value is MoRef {
  return (
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.keys(value).length === 2 &&
    typeof (value as MoRef).type === 'string' &&
    typeof (value as MoRef).value === 'string'
  );
}

function isTyped(value: SoapArg): value is TypedObject {
  return typeof value === 'object' && !Array.isArray(value) && 'xsiType' in value && 'fields' in value;
}
