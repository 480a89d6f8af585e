// The measuring loop of the operator-overhead benches: path (a), the hypervisor call made directly, and path (b),
// the same through the operator, alternated round by round on the same VM, and the table comparing them.
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fmt, summarize } from './stats.ts';

export interface AlternatingResult<T> {
  /** ms of each path (a) run. */
  direct: number[];
  operator: T[];
  /** The 1-minute load average after each round, for the machine line. */
  load: number[];
}

/**
 * Runs `rounds` rounds of both paths. Which path goes first alternates, so drift on the shared machine hits both
 * equally; with `pauseMs`, each path starts that long after the previous one ended.
 */
export async function alternateRounds<T>(
  rounds: number,
  paths: { direct: (round: number) => Promise<number>; operator: (round: number) => Promise<T> },
  pauseMs = 0,
): Promise<AlternatingResult<T>> {
  const result: AlternatingResult<T> = { direct: [], operator: [], load: [] };
  for (let i = 0; i < rounds; i++) {
    for (const path of i % 2 ? ['operator', 'direct'] : ['direct', 'operator']) {
      if (pauseMs > 0) await sleep(pauseMs);
      if (path === 'direct') result.direct.push(await paths.direct(i));
      else result.operator.push(await paths.operator(i));
    }
    result.load.push(loadavg()[0] ?? 0);
  }
  return result;
}

/** One path's label and its measured ms. */
export interface MeasuredPath {
  label: string;
  ms: number[];
}

/**
 * Prints the markdown table of both paths (median, p95, max, with `digits` decimals) and the ratio of the medians
 * (b)/(a), with `ratioDigits` decimals and `ratioNote` after it (e.g. the target).
 */
export function printPathComparison(
  direct: MeasuredPath,
  operator: MeasuredPath,
  format: { digits: number; ratioDigits: number; ratioNote?: string },
): void {
  const a = summarize(direct.ms);
  const b = summarize(operator.ms);
  const row = (label: string, s: typeof a) =>
    `| ${label} | ${fmt(s.median, format.digits)} | ${fmt(s.p95, format.digits)} | ${fmt(s.max, format.digits)} |`;
  console.log('| path | median ms | p95 ms | max ms |');
  console.log('|---|---|---|---|');
  console.log(row(`(a) ${direct.label}`, a));
  console.log(row(`(b) ${operator.label}`, b));
  const note = format.ratioNote ? ` ${format.ratioNote}` : '';
  console.log(`\n**Ratio (b)/(a) of the medians: ${fmt(b.median / a.median, format.ratioDigits)}**${note}\n`);
}
