// Parses the XML virsh prints (`snapshot-dumpxml`, `dumpxml`) into the few facts the driver needs. Tolerant of
// elements it does not know and of snapshots other tools made; strict only where a missing fact would make
// the driver act wrongly (a snapshot without a name).

import { XMLParser } from 'fast-xml-parser';

/** What libvirt records about one snapshot. */
export interface LibvirtSnapshotXml {
  name: string;
  description: string;
  /** libvirt's snapshot state: running, paused, shutoff, disk-snapshot, ... (the VM's state when taken). */
  state: string;
  parent: string | undefined;
  /** Unix seconds when the operation started; undefined if libvirt did not record it. */
  creationTime: number | undefined;
  /** `<memory snapshot=...>`: internal | external | no. */
  memory: string;
  /** Per-disk snapshot mode by target (vda -> internal | external | no). */
  disks: Array<{ name: string; snapshot: string }>;
}

/** A disk of a domain, from `virsh dumpxml`. */
export interface LibvirtDiskXml {
  target: string;
  /** `<driver type=...>`: qcow2, raw, ... ; undefined when unspecified. */
  format: string | undefined;
  /** file path (type=file) or undefined for network/block sources without a file. */
  sourceFile: string | undefined;
  sourceType: string;
  device: string;
  readonly: boolean;
  /** QEMU's device alias, e.g. virtio-disk0 (only while running). */
  alias: string | undefined;
}

const ALWAYS_ARRAYS = new Set(['disk']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Names and descriptions are text, never numbers: `<name>007</name>` stays "007".
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (tagName) => ALWAYS_ARRAYS.has(tagName),
});

type Node = Record<string, unknown>;

export class XmlParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlParseError';
  }
}

export function parseSnapshotXml(xml: string): LibvirtSnapshotXml {
  const root = parse(xml).domainsnapshot;
  if (!isNode(root)) throw new XmlParseError('snapshot XML has no <domainsnapshot> element');
  const name = text(root.name);
  if (!name) throw new XmlParseError('snapshot XML has no <name>');
  const parentName = isNode(root.parent) ? text(root.parent.name) : undefined;
  const creation = Number(text(root.creationTime));
  const disksNode = isNode(root.disks) ? root.disks.disk : undefined;
  return {
    name,
    description: text(root.description) ?? '',
    state: text(root.state) ?? 'unknown',
    parent: parentName || undefined,
    creationTime: Number.isFinite(creation) && text(root.creationTime) !== undefined ? creation : undefined,
    memory: isNode(root.memory) ? (attr(root.memory, 'snapshot') ?? 'no') : 'no',
    disks: nodes(disksNode).map((d) => ({
      name: attr(d, 'name') ?? '',
      snapshot: attr(d, 'snapshot') ?? '',
    })),
  };
}

/** The disks (device=disk, not cdrom/floppy) of a domain, from `virsh dumpxml`. */
export function parseDomainDisks(xml: string): LibvirtDiskXml[] {
  const domain = parse(xml).domain;
  if (!isNode(domain)) throw new XmlParseError('domain XML has no <domain> element');
  const devices = isNode(domain.devices) ? domain.devices : {};
  return nodes(devices.disk)
    .map((d) => ({
      target: isNode(d.target) ? (attr(d.target, 'dev') ?? '') : '',
      format: isNode(d.driver) ? attr(d.driver, 'type') : undefined,
      sourceFile: isNode(d.source) ? attr(d.source, 'file') : undefined,
      sourceType: attr(d, 'type') ?? 'file',
      device: attr(d, 'device') ?? 'disk',
      readonly: d.readonly !== undefined,
      alias: isNode(d.alias) ? attr(d.alias, 'name') : undefined,
    }))
    .filter((d) => d.device === 'disk');
}

function parse(xml: string): Node {
  try {
    const parsed: unknown = parser.parse(xml);
    if (!isNode(parsed)) throw new XmlParseError('not an XML document');
    return parsed;
  } catch (err) {
    if (err instanceof XmlParseError) throw err;
    throw new XmlParseError(`malformed XML: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nodes(value: unknown): Node[] {
  if (Array.isArray(value)) return value.filter(isNode);
  return isNode(value) ? [value] : [];
}

/** Element text: plain strings, or `#text` of an element that also has attributes. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isNode(value) && typeof value['#text'] === 'string') return value['#text'];
  if (isNode(value)) return '';
  return undefined;
}

function attr(node: Node, name: string): string | undefined {
  const value = node[`@${name}`];
  return typeof value === 'string' ? value : undefined;
}
