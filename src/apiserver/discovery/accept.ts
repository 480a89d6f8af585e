/** One media range of an Accept header: `application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`. */
export interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

/** Parses an Accept header into media ranges, best first (by q, then header order, as RFC 9110 asks). */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [typePart, ...paramParts] = part.split(';');
    const type = typePart?.trim().toLowerCase();
    if (!type) continue;
    const params: Record<string, string> = {};
    for (const param of paramParts) {
      const eq = param.indexOf('=');
      if (eq < 0) continue;
      params[param.slice(0, eq).trim().toLowerCase()] = param
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
    }
    const q = params.q === undefined ? 1 : Number(params.q);
    delete params.q;
    ranges.push({ type, params, q: Number.isFinite(q) ? q : 0 });
  }
  return ranges.filter((r) => r.q > 0).sort((a, b) => b.q - a.q);
}

/** True for `application/json`, `application/*` and `*\/*` without a `as=` conversion request. */
export function acceptsPlainJson(range: MediaRange): boolean {
  if (range.params.as !== undefined) return false;
  return range.type === 'application/json' || range.type === 'application/*' || range.type === '*/*';
}
