// A set of field paths, stored as the tree FieldsV1 serializes: each node is keyed by a path element and is a
// member when the path itself is in the set (`.` in FieldsV1 when the node also has children).
import type { FieldPath, PathElement } from './path-element.ts';

export class FieldSet {
  member = false;
  readonly children = new Map<PathElement, FieldSet>();

  static of(paths: readonly FieldPath[]): FieldSet {
    const set = new FieldSet();
    for (const path of paths) set.insert(path);
    return set;
  }

  /** Parses a managedFields entry's fieldsV1. Throws on anything that is not a FieldsV1 tree. */
  static fromFieldsV1(json: unknown): FieldSet {
    const set = new FieldSet();
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new Error('fieldsV1 must be an object');
    for (const [element, child] of Object.entries(json)) {
      if (element === '.') {
        set.member = true;
        continue;
      }
      if (!/^[fkvi]:/.test(element))
        throw new Error(`invalid FieldsV1 path element ${JSON.stringify(element)}`);
      const node = FieldSet.fromFieldsV1(child);
      // A leaf (`{}`) is a member path with nothing below it.
      if (node.children.size === 0) node.member = true;
      set.children.set(element, node);
    }
    return set;
  }

  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.member && this.children.size > 0) out['.'] = {};
    for (const element of [...this.children.keys()].sort(compareElements)) {
      out[element] = this.children.get(element)!.toFieldsV1();
    }
    return out;
  }

  insert(path: FieldPath): void {
    let node: FieldSet = this;
    for (const element of path) {
      let child = node.children.get(element);
      if (!child) {
        child = new FieldSet();
        node.children.set(element, child);
      }
      node = child;
    }
    node.member = true;
  }

  has(path: FieldPath): boolean {
    return this.at(path)?.member === true;
  }

  /** The subtree under `path` (paths relative to it), or undefined when nothing in the set starts with it. */
  at(path: FieldPath): FieldSet | undefined {
    let node: FieldSet | undefined = this;
    for (const element of path) {
      node = node.children.get(element);
      if (!node) return undefined;
    }
    return node;
  }

  isEmpty(): boolean {
    return !this.member && this.children.size === 0;
  }

  union(other: FieldSet): FieldSet {
    const out = this.clone();
    out.addAll(other);
    return out;
  }

  difference(other: FieldSet | undefined): FieldSet {
    const out = new FieldSet();
    out.member = this.member && !other?.member;
    for (const [element, child] of this.children) {
      const rest = child.difference(other?.children.get(element));
      if (!rest.isEmpty()) out.children.set(element, rest);
    }
    return out;
  }

  intersection(other: FieldSet | undefined): FieldSet {
    const out = new FieldSet();
    if (!other) return out;
    out.member = this.member && other.member;
    for (const [element, child] of this.children) {
      const both = child.intersection(other.children.get(element));
      if (!both.isEmpty()) out.children.set(element, both);
    }
    return out;
  }

  /** Member paths in FieldsV1 order. */
  paths(prefix: FieldPath = []): FieldPath[] {
    const out: FieldPath[] = this.member && prefix.length > 0 ? [prefix] : [];
    for (const element of [...this.children.keys()].sort(compareElements)) {
      out.push(...this.children.get(element)!.paths([...prefix, element]));
    }
    return out;
  }

  /** Keeps only paths under `element` (the status subresource's view). */
  onlyUnder(element: PathElement): FieldSet {
    const out = new FieldSet();
    const child = this.children.get(element);
    if (child) out.children.set(element, child.clone());
    return out;
  }

  /** Drops every path under `element` (and the element itself). */
  without(element: PathElement): FieldSet {
    const out = this.clone();
    out.children.delete(element);
    return out;
  }

  clone(): FieldSet {
    const out = new FieldSet();
    out.member = this.member;
    for (const [element, child] of this.children) out.children.set(element, child.clone());
    return out;
  }

  equals(other: FieldSet): boolean {
    if (this.member !== other.member || this.children.size !== other.children.size) return false;
    for (const [element, child] of this.children) {
      const theirs = other.children.get(element);
      if (!theirs || !child.equals(theirs)) return false;
    }
    return true;
  }

  private addAll(other: FieldSet): void {
    this.member ||= other.member;
    for (const [element, child] of other.children) {
      const mine = this.children.get(element);
      if (mine) mine.addAll(child);
      else this.children.set(element, child.clone());
    }
  }
}

// structured-merge-diff orders field names before keys, values and indexes; within a kind, by text.
const KIND_ORDER = ['f', 'k', 'v', 'i'];
function compareElements(a: PathElement, b: PathElement): number {
  const byKind = KIND_ORDER.indexOf(a[0]!) - KIND_ORDER.indexOf(b[0]!);
  if (byKind !== 0) return byKind;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}
