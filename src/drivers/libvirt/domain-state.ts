// Parses `virsh dominfo` and `virsh domstate --reason` into the port's DomainInfo. The state words are
// virsh's English strings under LC_ALL=C (virshDomainStateToString / virshDomainStateReasonToString).

import type { DomainInfo, DomainPhase, PausedReason } from '../port.ts';

export interface DomInfo {
  name: string;
  uuid: string;
  /** virsh's state word: running, paused, shut off, ... */
  state: string;
  managedSave: boolean;
}

/** `Key:   value` lines; keys are matched exactly, unknown ones ignored. */
export function parseDomInfo(output: string): DomInfo {
  const fields = new Map<string, string>();
  for (const line of output.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const name = fields.get('Name');
  const uuid = fields.get('UUID');
  if (!name || !uuid) throw new Error(`unexpected dominfo output (no Name/UUID): ${output.slice(0, 200)}`);
  return {
    name,
    uuid,
    state: fields.get('State') ?? 'no state',
    managedSave: fields.get('Managed save') === 'yes',
  };
}

/** `running (booted)` -> { state: 'running', reason: 'booted' }. */
export function parseDomState(output: string): { state: string; reason: string | undefined } {
  const line = output.trim().split('\n')[0]?.trim() ?? '';
  const match = /^(.*?)\s*\(([^()]*)\)$/.exec(line);
  return match ? { state: match[1] ?? line, reason: match[2] } : { state: line, reason: undefined };
}

export function toPhase(state: string, managedSave: boolean): DomainPhase {
  switch (state) {
    case 'running':
    case 'idle':
    case 'blocked':
    case 'in shutdown':
      return 'Running';
    case 'paused':
      return 'Paused';
    case 'pmsuspended':
      return 'Suspended';
    case 'shut off':
    case 'crashed':
      return managedSave ? 'Suspended' : 'Stopped';
    default:
      return 'Unknown';
  }
}

const PAUSED_REASONS: Record<string, PausedReason> = {
  saving: 'Saving',
  snapshot: 'Snapshot',
  'from snapshot': 'FromSnapshot',
  user: 'User',
};

export function toPausedReason(reason: string | undefined): PausedReason {
  return (reason && PAUSED_REASONS[reason]) || 'Other';
}

export function toDomainInfo(info: DomInfo, stateWithReason: string | undefined): DomainInfo {
  const { state, reason } = parseDomState(stateWithReason ?? info.state);
  const phase = toPhase(state || info.state, info.managedSave);
  return {
    uuid: info.uuid,
    name: info.name,
    phase,
    ...(phase === 'Paused' ? { pausedReason: toPausedReason(reason) } : {}),
    stateDetail: stateWithReason?.trim() || info.state,
  };
}
