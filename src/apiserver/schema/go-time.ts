// kube decodes metav1.Time and metav1.MicroTime with Go's time.Parse; a client that sends another layout gets Go's
// parse error. These checks reproduce the layouts (not the calendar ranges) and the error wording, so a bad
// timestamp is refused at the API instead of breaking every typed client that later reads the object (a single
// event whose eventTime lacks six fractional digits makes `kubectl describe` drop the whole event list).

/** metav1.Time: RFC 3339; Go also accepts any fractional seconds the layout does not mention. */
const RFC3339 = '2006-01-02T15:04:05Z07:00';
/** metav1.MicroTime: exactly six fractional digits. */
const RFC3339_MICRO = '2006-01-02T15:04:05.000000Z07:00';

type Element = readonly [layout: string, pattern: RegExp];

const DATE_AND_CLOCK: readonly Element[] = [
  ['2006', /^\d{4}/],
  ['-', /^-/],
  ['01', /^\d{2}/],
  ['-', /^-/],
  ['02', /^\d{2}/],
  ['T', /^T/],
  ['15', /^\d{2}/],
  [':', /^:/],
  ['04', /^\d{2}/],
  [':', /^:/],
  ['05', /^\d{2}/],
];
const OPTIONAL_FRACTION: Element = ['', /^(?:[.,]\d+)?/];
const MICRO_FRACTION: Element = ['.000000', /^\.\d{6}/];
const ZONE: Element = ['Z07:00', /^(?:Z|[+-]\d{2}:\d{2})/];

const TIME_ELEMENTS = [...DATE_AND_CLOCK, OPTIONAL_FRACTION, ZONE];
const MICRO_TIME_ELEMENTS = [...DATE_AND_CLOCK, MICRO_FRACTION, ZONE];

/** Go's error for a metav1.Time string in another layout, or undefined when it parses. */
export function timeParseError(value: string): string | undefined {
  return parseError(value, RFC3339, TIME_ELEMENTS);
}

/** Go's error for a metav1.MicroTime string in another layout, or undefined when it parses. */
export function microTimeParseError(value: string): string | undefined {
  return parseError(value, RFC3339_MICRO, MICRO_TIME_ELEMENTS);
}

function parseError(value: string, layout: string, elements: readonly Element[]): string | undefined {
  const prefix = `parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}`;
  let rest = value;
  for (const [element, pattern] of elements) {
    const match = pattern.exec(rest);
    // Go names the remaining input and the layout element (or literal) it failed on.
    if (!match) return `${prefix}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(element)}`;
    rest = rest.slice(match[0].length);
  }
  if (rest !== '') return `${prefix}: extra text: ${JSON.stringify(rest)}`;
  return undefined;
}
