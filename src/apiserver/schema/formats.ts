import type { Ajv, Format } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats.js';

/**
 * The string formats kube-apiserver checks (go-openapi strfmt), registered under go-openapi's normalised names.
 * ajv-formats supplies the RFC-defined ones; the rest follow the regular expressions strfmt documents.
 */
const KUBE_FORMATS: Record<string, Format> = {
  datetime: fullFormats['date-time'],
  date: fullFormats.date,
  email: fullFormats.email,
  hostname: fullFormats.hostname,
  ipv4: fullFormats.ipv4,
  ipv6: fullFormats.ipv6,
  uri: fullFormats.uri,
  byte: fullFormats.byte,
  password: () => true,
  uuid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
  uuid3: /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
  uuid4: /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i,
  uuid5: /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i,
  bsonobjectid: /^[0-9a-f]{24}$/i,
  mac: /^(?:[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}|[0-9a-f]{2}(?:[:-][0-9a-f]{2}){7}|[0-9a-f]{2}(?:[:-][0-9a-f]{2}){19}|(?:[0-9a-f]{4}\.){2}[0-9a-f]{4})$/i,
  cidr: isCidr,
  // Go's time.ParseDuration syntax (the common case), or strfmt's "<n> <unit>" form.
  duration:
    /^(?:[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+|0|\d+\s?(?:ns|us|µs|ms|s|m|h|d|w|nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?))$/,
  hexcolor: /^#?(?:[0-9a-f]{3}|[0-9a-f]{6})$/i,
  rgbcolor: /^rgb\(\s*(?:\d{1,3})\s*,\s*(?:\d{1,3})\s*,\s*(?:\d{1,3})\s*\)$/,
  ssn: /^\d{3}[- ]?\d{2}[- ]?\d{4}$/,
  isbn: (s: string) => isIsbn10(s) || isIsbn13(s),
  isbn10: (s: string) => isIsbn10(s),
  isbn13: (s: string) => isIsbn13(s),
  creditcard: (s: string) =>
    /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})$/.test(
      s.replace(/\D/g, ''),
    ),
};

export function addKubeFormats(ajv: Ajv): void {
  for (const [name, format] of Object.entries(KUBE_FORMATS)) ajv.addFormat(name, format);
}

function isCidr(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const address = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  const isV4 = testFormat(fullFormats.ipv4, address);
  if (isV4) return Number(bits) <= 32;
  return testFormat(fullFormats.ipv6, address) && Number(bits) <= 128;
}

function testFormat(format: Format, value: string): boolean {
  if (format === true) return true;
  if (format instanceof RegExp) return format.test(value);
  if (typeof format === 'function') return format(value) === true;
  if (typeof format === 'string') return new RegExp(format).test(value);
  const check = format.validate;
  if (check instanceof RegExp) return check.test(value);
  if (typeof check === 'string') return new RegExp(check).test(value);
  return (check as (data: string) => boolean)(value) === true;
}

function isIsbn10(s: string): boolean {
  return /^(?:[0-9]{9}X|[0-9]{10})$/.test(s.replace(/[\s-]/g, ''));
}

function isIsbn13(s: string): boolean {
  return /^(?:[0-9]{13})$/.test(s.replace(/[\s-]/g, ''));
}
