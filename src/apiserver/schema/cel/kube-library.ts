import type { Environment } from '@marcbachmann/cel-js';

/**
 * Functions of Kubernetes' CEL libraries (k8s.io/apiserver/pkg/cel/library, cel-go's strings extension) that
 * cel-js does not ship, so rules written for a real cluster compile and behave the same here.
 */
export function registerKubeLibrary(env: Environment): Environment {
  return env
    .registerFunction('list.isSorted(): bool', (list: unknown[]) =>
      list.every((v, i) => i === 0 || compare(list[i - 1], v) <= 0),
    )
    .registerFunction('list<int>.sum(): int', (list: bigint[]) => list.reduce((a, b) => a + b, 0n))
    .registerFunction('list<double>.sum(): double', (list: number[]) => list.reduce((a, b) => a + b, 0))
    .registerFunction('list<A>.min(): A', (list: unknown[]) => extreme(list, -1))
    .registerFunction('list<A>.max(): A', (list: unknown[]) => extreme(list, 1))
    .registerFunction('list<A>.indexOf(A): int', (list: unknown[], value: unknown) =>
      BigInt(list.indexOf(value)),
    )
    .registerFunction('list<A>.lastIndexOf(A): int', (list: unknown[], value: unknown) =>
      BigInt(list.lastIndexOf(value)),
    )
    .registerFunction('string.replace(string, string): string', (s: string, from: string, to: string) =>
      s.replaceAll(from, to),
    )
    .registerFunction('string.reverse(): string', (s: string) => [...s].reverse().join(''))
    .registerFunction(
      'string.find(string): string',
      (s: string, pattern: string) => new RegExp(pattern, 'u').exec(s)?.[0] ?? '',
    )
    .registerFunction('string.findAll(string): list<string>', (s: string, pattern: string) =>
      [...s.matchAll(new RegExp(pattern, 'gu'))].map((m) => m[0]),
    );
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const x = a as number | bigint;
  const y = b as number | bigint;
  return x < y ? -1 : x > y ? 1 : 0;
}

function extreme(list: unknown[], sign: 1 | -1): unknown {
  if (list.length === 0) throw new Error('min/max of an empty list');
  return list.reduce((best, v) => (compare(v, best) * sign > 0 ? v : best));
}
