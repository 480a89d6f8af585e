// JSON.parse keeps the last of two equal keys without a word; kube's strict decoder reports them. This is one pass
// over text that JSON.parse already accepted (so it skips every syntax check), run only when fieldValidation asks
// for strict errors (Strict or Warn).

interface ObjectFrame {
  kind: 'object';
  path: string;
  keys: Set<string>;
  /** The key whose value comes next (set at each key string, read when that value opens a container). */
  key: string;
  expectKey: boolean;
}

interface ArrayFrame {
  kind: 'array';
  path: string;
  index: number;
}

type Frame = ObjectFrame | ArrayFrame;

/**
 * The fields that occur twice in one JSON object of `text` (valid JSON), each once, as sigs.k8s.io/json names
 * them: `spec`, `spec.size`, `spec.items[0].name`.
 */
export function findDuplicateFields(text: string): string[] {
  const duplicates = new Set<string>();
  const stack: Frame[] = [];
  const childPath = (): string => {
    const parent = stack.at(-1);
    if (parent === undefined) return '';
    if (parent.kind === 'array') return `${parent.path}[${parent.index}]`;
    return parent.path ? `${parent.path}.${parent.key}` : parent.key;
  };
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      const end = stringEnd(text, i);
      const top = stack.at(-1);
      if (top?.kind === 'object' && top.expectKey) {
        const raw = text.slice(i + 1, end);
        // Escapes are rare in keys: decode only when there is one, so `"\u0061"` and `"a"` compare equal.
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.keys.has(key)) duplicates.add(top.path ? `${top.path}.${key}` : key);
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = end;
    } else if (code === OPEN_BRACE) {
      stack.push({ kind: 'object', path: childPath(), keys: new Set(), key: '', expectKey: true });
    } else if (code === OPEN_BRACKET) {
      stack.push({ kind: 'array', path: childPath(), index: 0 });
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      stack.pop();
    } else if (code === COMMA) {
      const top = stack.at(-1);
      if (top?.kind === 'object') top.expectKey = true;
      else if (top?.kind === 'array') top.index += 1;
    }
  }
  return [...duplicates];
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/** Index of the quote closing the string that opens at `start`: the next quote not escaped by a backslash. */
function stringEnd(text: string, start: number): number {
  let quote = text.indexOf('"', start + 1);
  while (quote !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    quote = text.indexOf('"', quote + 1);
  }
  return text.length - 1;
}
