import { availableParallelism, loadavg } from 'node:os';

/** Latency summary of one measured series, in milliseconds. */
export interface Summary {
  count: number;
  median: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile over an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of an empty series');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    median: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1]!,
  };
}

export function perSecond(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

/** Fixed decimals for tables (ms figures); integers get thousands separators. */
export function fmt(value: number, decimals = 2): string {
  return Number.isInteger(value) && decimals === 0
    ? value.toLocaleString('en-US')
    : value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A GitHub-flavoured markdown table. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; resolves when all are done. */
export async function runPool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/**
 * A note of the machine the figures come from, for the top of every bench's output. The load average matters:
 * the machine is shared, and throughput figures scale with the CPU left to the benchmark.
 */
export function machineLine(): string {
  const [oneMinute] = loadavg();
  return `node ${process.version}, ${availableParallelism()} cores, ${process.platform}/${process.arch}, load average ${oneMinute?.toFixed(1)}`;
}
