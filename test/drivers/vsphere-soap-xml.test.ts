// The SOAP envelope layer on its own: user text can neither break out of its element nor come back changed.

import { describe, expect, it } from 'vitest';
import {
  buildEnvelope,
  child,
  children,
  moRef,
  parseEnvelope,
  SoapFault,
  text,
  toMoRef,
  typed,
} from '../../src/drivers/vsphere/soap-xml.ts';

const tricky = [
  `</name><memory>true</memory><name>`,
  `a <b> & "c" 'd'`,
  '&amp; &#34; &#xA; ]]> <![CDATA[x]]>',
  'line one\nline two\ttabbed',
  'ümlaut ✓ 日本',
];

/** Wraps the request body's arguments as a server would echo them back inside a response. */
function echo(request: string): string {
  const inner = /<CreateSnapshot_Task xmlns="urn:vim25">([\s\S]*)<\/CreateSnapshot_Task>/.exec(request)?.[1];
  if (inner === undefined) throw new Error(`no CreateSnapshot_Task in ${request}`);
  return `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><EchoResponse xmlns="urn:vim25"><returnval>${inner}</returnval></EchoResponse></soapenv:Body></soapenv:Envelope>`;
}

describe('vim25 SOAP envelopes', () => {
  it.each(tricky)('keeps %j inside its element and returns it unchanged', (value) => {
    const request = buildEnvelope('CreateSnapshot_Task', {
      _this: moRef('VirtualMachine', 'vm-1'),
      name: value,
      description: value,
      memory: false,
      quiesce: false,
    });
    const returned = parseEnvelope(echo(request));
    expect(text(child(returned, 'name'))).toBe(value);
    expect(text(child(returned, 'description'))).toBe(value);
    expect(children(returned, 'memory').map((m) => text(m))).toEqual(['false']);
    expect(toMoRef(child(returned, '_this'))).toEqual({ type: 'VirtualMachine', value: 'vm-1' });
  });

  it('decodes the numeric references the server uses, once', () => {
    const xml = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><R xmlns="urn:vim25"><returnval>a&#xA;b &#34;q&#34; &#39;s&#39; &amp;#34;</returnval></R></soapenv:Body></soapenv:Envelope>`;
    expect(text(parseEnvelope(xml))).toBe(`a\nb "q" 's' &#34;`);
  });

  it('writes xsi:type for typed arguments and keeps argument order', () => {
    const request = buildEnvelope('RetrieveProperties', {
      _this: moRef('PropertyCollector', 'propertyCollector'),
      specSet: {
        objectSet: {
          obj: moRef('ContainerView', 'v-1'),
          selectSet: typed('TraversalSpec', { path: 'view' }),
        },
      },
    });
    expect(request).toContain('<selectSet xsi:type="TraversalSpec"><path>view</path></selectSet>');
    expect(request.indexOf('<_this')).toBeLessThan(request.indexOf('<specSet>'));
  });

  it('turns a SOAP fault into a SoapFault with its vim25 type', () => {
    const xml = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Login failure</faultstring><detail><InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"></InvalidLoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
    let thrown: unknown;
    try {
      parseEnvelope(xml);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(SoapFault);
    expect(thrown).toMatchObject({ faultType: 'InvalidLogin', message: 'Login failure' });
  });

  it('rejects a response that is not a SOAP envelope with a clear fault', () => {
    expect(() => parseEnvelope('<html><body>502 Bad Gateway</body></html>')).toThrow(/without a SOAP Body/);
  });
});
