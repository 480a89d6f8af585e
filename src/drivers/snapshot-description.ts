// How vmsnap marks the snapshots it makes. Hypervisors give a snapshot a name and a free-text description and
// nothing else, so the owner identity travels in the description: one human-readable line (what `virsh
// snapshot-list` users and other tools see), then one line of JSON that vmsnap parses back. Descriptions of
// snapshots other tools made can be anything; decoding never throws and simply reports them as foreign.

import type { SnapshotOwner } from './port.ts';

/** What vmsnap records about a snapshot beyond what the hypervisor stores natively. */
export interface SnapshotMark {
  owner: SnapshotOwner;
  /** The user's description, verbatim (may be empty or multi-line). */
  description: string;
  /**
   * What the owner asked for. false with hypervisor-stored memory = a disk-only snapshot of a running VM that
   * was taken with memory only so it can be reverted (libvirt < 9.9); reverting never resumes that memory.
   */
  memory: boolean;
}

/** The JSON line's top-level key: marks the line as vmsnap's and versions the format. */
const MARK_KEY = 'vmsnap.io/v1';
const MAX_HUMAN_LINE = 200;

export function encodeSnapshotDescription(mark: SnapshotMark): string {
  const { owner } = mark;
  const firstLine = mark.description.split('\n', 1)[0]?.trim() ?? '';
  const summary =
    firstLine.length > MAX_HUMAN_LINE ? `${firstLine.slice(0, MAX_HUMAN_LINE - 3)}...` : firstLine;
  const human = `vmsnap VMSnapshot ${owner.namespace}/${owner.name}${summary ? `: ${summary}` : ''}`;
  const json = JSON.stringify({
    [MARK_KEY]: {
      owner: { uid: owner.uid, namespace: owner.namespace, name: owner.name },
      memory: mark.memory,
      description: mark.description,
    },
  });
  return `${human}\n${json}`;
}

/** The mark vmsnap wrote, or undefined for a foreign (or damaged) description. Never throws. */
export function decodeSnapshotDescription(description: string | undefined): SnapshotMark | undefined {
  if (!description) return undefined;
  const lastLine = description.trimEnd().split('\n').pop()?.trim() ?? '';
  if (!lastLine.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(lastLine);
  } catch {
    return undefined;
  }
  const body = isRecord(parsed) ? parsed[MARK_KEY] : undefined;
  if (!isRecord(body) || !isRecord(body.owner)) return undefined;
  const { uid, namespace, name } = body.owner;
  if (typeof uid !== 'string' || typeof namespace !== 'string' || typeof name !== 'string' || uid === '') {
    return undefined;
  }
  return {
    owner: { uid, namespace, name },
    description: typeof body.description === 'string' ? body.description : '',
    memory: body.memory !== false,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
