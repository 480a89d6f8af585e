// Turns libvirt's snapshot record into the port's SnapshotInfo: owner and intent from vmsnap's description
// mark, the rest from libvirt's XML.

import type { DomainPhase, SnapshotInfo } from '../port.ts';
import { unixSecondsToRfc3339 } from '../rfc3339.ts';
import { decodeSnapshotDescription } from '../snapshot-description.ts';
import type { LibvirtSnapshotXml } from './snapshot-xml.ts';

/** libvirt's snapshot `<state>`: the VM's state when the snapshot was taken. */
const PHASE_OF_STATE: Record<string, DomainPhase> = {
  running: 'Running',
  blocked: 'Running',
  idle: 'Running',
  paused: 'Paused',
  shutoff: 'Stopped',
  shutdown: 'Stopped',
  crashed: 'Stopped',
  pmsuspended: 'Suspended',
  // An external disk-only snapshot of a live VM.
  'disk-snapshot': 'Running',
};

export function toSnapshotInfo(xml: LibvirtSnapshotXml, currentName: string | undefined): SnapshotInfo {
  const mark = decodeSnapshotDescription(xml.description);
  const storedMemory = xml.memory === 'internal' || xml.memory === 'external';
  const external = xml.memory === 'external' || xml.disks.some((d) => d.snapshot === 'external');
  return {
    name: xml.name,
    description: mark ? mark.description : xml.description,
    ...(xml.parent === undefined ? {} : { parent: xml.parent }),
    memory: storedMemory && mark?.memory !== false,
    vmPhase: PHASE_OF_STATE[xml.state] ?? 'Unknown',
    creationTime: unixSecondsToRfc3339(xml.creationTime ?? 0),
    current: xml.name === currentName,
    location: external ? 'external' : 'internal',
    ...(mark ? { owner: mark.owner } : {}),
  };
}
