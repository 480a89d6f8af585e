// Where a process spent its CPU, from a V8 .cpuprofile (node --cpu-prof): the share of samples whose stack passes
// through a source folder (inclusive time), e.g. "how much of the operator's CPU was the schedule controller".
// After an `await` the stack starts again at the resumed async function, so synchronous work done by a reconciler
// and by what it calls is attributed to the reconciler's folder; time spent in the HTTP client's callbacks is not.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Per folder fragment: the fraction of sampled time whose stack contains a frame from a URL with it. */
export function inclusiveShare(profile: CpuProfile, folders: readonly string[]): Map<string, number> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const idle = new Set(
    profile.nodes
      .filter((n) => n.callFrame.functionName === '(idle)' || n.callFrame.functionName === '(program)')
      .map((n) => n.id),
  );
  // Which folders each node's stack passes through, memoised per node (stacks share prefixes).
  const memo = new Map<number, ReadonlySet<string>>();
  const foldersOf = (id: number): ReadonlySet<string> => {
    const known = memo.get(id);
    if (known) return known;
    const up = parent.get(id);
    const inherited = up === undefined ? new Set<string>() : new Set(foldersOf(up));
    const url = byId.get(id)?.callFrame.url ?? '';
    for (const folder of folders) if (url.includes(folder)) inherited.add(folder);
    memo.set(id, inherited);
    return inherited;
  };
  const time = new Map<string, number>(folders.map((f) => [f, 0]));
  let busy = 0;
  profile.samples.forEach((id, index) => {
    if (idle.has(id)) return;
    const delta = profile.timeDeltas[index] ?? 0;
    busy += delta;
    for (const folder of foldersOf(id)) time.set(folder, (time.get(folder) ?? 0) + delta);
  });
  return new Map([...time].map(([folder, t]) => [folder, busy === 0 ? 0 : t / busy]));
}

/** The newest .cpuprofile in `dir`, parsed. */
export async function newestProfile(dir: string): Promise<CpuProfile> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile')).sort();
  const newest = names[names.length - 1];
  if (newest === undefined) throw new Error(`no .cpuprofile in ${dir}`);
  return JSON.parse(await readFile(join(dir, newest), 'utf8')) as CpuProfile;
}
