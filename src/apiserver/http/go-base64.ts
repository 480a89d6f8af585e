// []byte fields (Secret data, ConfigMap binaryData) travel as standard padded base64; kube decodes them with Go's
// base64.StdEncoding, which skips line breaks and names the first offending byte.

const ALPHABET = /^[A-Za-z0-9+/]$/;

/** The input offset Go's `illegal base64 data at input byte N` would name, or undefined when `text` decodes. */
export function base64ErrorOffset(text: string): number | undefined {
  let inQuantum = 0;
  let padded = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\r' || char === '\n') continue;
    if (padded && inQuantum === 0) return i; // data after a padded quantum
    if (char === '=') {
      // Padding may only fill the last one or two places of a quantum.
      if (inQuantum < 2) return i;
      padded = true;
    } else if (padded || !ALPHABET.test(char)) {
      return i;
    }
    inQuantum = (inQuantum + 1) % 4;
  }
  return inQuantum === 0 ? undefined : text.length;
}
