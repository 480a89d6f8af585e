// Names of the VMSnapshots a schedule takes. Deterministic in (schedule, VM, run time), so a controller that
// crashes after creating some of a run's snapshots and runs the same run again gets AlreadyExists instead of a
// second snapshot: a run is never taken twice.
import { createHash } from 'node:crypto';

/** Kubernetes object names are DNS-1123 subdomains of at most 253 characters. */
export const MAX_OBJECT_NAME_LENGTH = 253;

/** Hex digits of the (schedule, VM) hash every name ends with. */
const PAIR_HASH_LENGTH = 8;

/**
 * `<schedule>-<vm>-<yyyymmdd>-<hhmm>-<hash>`, the run time in UTC (a name must not change with the schedule's
 * time zone, and UTC has no repeated hour). The hash is of the (schedule, VM) pair: without it schedule `a-b`
 * with VM `c` and schedule `a` with VM `b-c` would name the same object. When the whole name would exceed 253
 * characters, the `<schedule>-<vm>` part is shortened; the hash and time keep the name unique.
 */
export function scheduledSnapshotName(scheduleName: string, vmName: string, runAt: Date): string {
  const suffix = `-${utcStamp(runAt)}-${pairHash(scheduleName, vmName)}`;
  let prefix = `${scheduleName}-${vmName}`;
  if (prefix.length + suffix.length > MAX_OBJECT_NAME_LENGTH) {
    // A cut may end on '-' or '.', and a DNS-1123 label must end alphanumeric.
    prefix = prefix.slice(0, MAX_OBJECT_NAME_LENGTH - suffix.length).replace(/[-.]+$/, '');
  }
  return `${prefix}${suffix}`;
}

function utcStamp(at: Date): string {
  // 2026-11-24T10:00:00.000Z -> 20261124-1000 (cron runs are whole minutes).
  const iso = at.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}`;
}

function pairHash(scheduleName: string, vmName: string): string {
  // NUL cannot occur in either name, so distinct pairs hash distinct inputs.
  return createHash('sha256').update(`${scheduleName}\0${vmName}`).digest('hex').slice(0, PAIR_HASH_LENGTH);
}

/** Label values are at most 63 characters; object names may be 253. */
const MAX_LABEL_VALUE_LENGTH = 63;

/**
 * The value of the vmsnap.io/schedule and vmsnap.io/vm labels for an object name: the name itself when it fits a
 * label value (63 characters), else its start and a hash of the whole, so distinct long names stay distinct.
 */
export function labelValueFor(name: string): string {
  if (name.length <= MAX_LABEL_VALUE_LENGTH) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, PAIR_HASH_LENGTH);
  const head = name.slice(0, MAX_LABEL_VALUE_LENGTH - hash.length - 1).replace(/[-.]+$/, '');
  return `${head}-${hash}`;
}
