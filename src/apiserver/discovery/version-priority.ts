/**
 * Kubernetes' version priority (apimachinery `CompareKubeAwareVersionStrings`): GA before beta before alpha,
 * higher major first, then higher minor (`v2 > v1 > v1beta2 > v1beta1 > v1alpha1`); versions that do not look
 * like Kubernetes versions come last, alphabetically. Discovery lists versions in this order and the first one
 * is the group's preferred version.
 */
export function compareVersionPriority(a: string, b: string): number {
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) {
    if (pa) return -1;
    if (pb) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (pa.stage !== pb.stage) return STAGE_RANK[pa.stage] - STAGE_RANK[pb.stage];
  if (pa.major !== pb.major) return pb.major - pa.major;
  return pb.minor - pa.minor;
}

const STAGE_RANK = { ga: 0, beta: 1, alpha: 2 } as const;

function parse(
  version: string,
): { major: number; stage: keyof typeof STAGE_RANK; minor: number } | undefined {
  const match = /^v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?$/.exec(version);
  if (!match) return undefined;
  return {
    major: Number(match[1]),
    stage: (match[2] as 'alpha' | 'beta' | undefined) ?? 'ga',
    minor: match[3] ? Number(match[3]) : 0,
  };
}
