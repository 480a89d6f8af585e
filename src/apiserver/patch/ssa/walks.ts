// The three typed walks server-side apply is built on, after structured-merge-diff's typed package:
// the field set a value sets, the difference between two values, and the merge of a config into a live value.
import { isDeepStrictEqual } from 'node:util';
import { isPlainObject } from '../json-merge-patch.ts';
import { FieldSet } from './field-set.ts';
import { type FieldPath, fieldElement, type PathElement, pathToString } from './path-element.ts';
import { commonShape, indexItems, mapChild, shapeOf } from './shape.ts';
import type { ListNode, TypeNode } from './type-model.ts';

/**
 * The fields a value sets, as an applier owns them: leaves, list items (keyed or by value), and map entries
 * that are empty, null or undeclared (labels' keys). Declared non-empty maps are implied by their children.
 * With `strict`, a keyed-list item without its keys throws (a bad applied configuration).
 */
export function fieldSetOf(value: unknown, node: TypeNode, strict: boolean): FieldSet {
  const set = new FieldSet();
  collect(value, node, [], set, strict);
  return set;
}

function collect(value: unknown, node: TypeNode, path: FieldPath, set: FieldSet, strict: boolean): void {
  const shape = shapeOf(value, node);
  if (shape.kind === 'leaf') {
    if (path.length > 0) set.insert(path);
    return;
  }
  if (shape.kind === 'map') {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const { type, declared } = mapChild(shape.node, key);
      const childPath = [...path, fieldElement(key)];
      collect(child, type, childPath, set, strict);
      if (child === null || (isPlainObject(child) && Object.keys(child).length === 0) || !declared) {
        set.insert(childPath);
      }
    }
    return;
  }
  const list = value as unknown[];
  const { elements } = indexItems(shape.node, list, strict, () => pathToString(path));
  elements.forEach((element, index) => {
    const childPath = [...path, element];
    collect(list[index], shape.node.items, childPath, set, strict);
    set.insert(childPath);
  });
}

export interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
}

/**
 * What changed from `lhs` to `rhs`: leaves added, removed or changed in value, plus maps and list items that
 * appeared or disappeared as a whole (which is where FieldsV1's `.` entries of Update managers come from).
 */
export function compare(lhs: unknown, rhs: unknown, node: TypeNode): Comparison {
  const result = { added: new FieldSet(), removed: new FieldSet(), modified: new FieldSet() };
  compareAt(lhs, rhs, node, [], result);
  return result;
}

function compareAt(lhs: unknown, rhs: unknown, node: TypeNode, path: FieldPath, result: Comparison): void {
  if (lhs === undefined && rhs === undefined) return;
  const shape = commonShape(lhs, rhs, node);
  if (shape.kind === 'leaf') {
    if (lhs === undefined) result.added.insert(path);
    else if (rhs === undefined) result.removed.insert(path);
    else if (!isDeepStrictEqual(lhs, rhs)) result.modified.insert(path);
    return;
  }
  if (shape.kind === 'map') {
    const left = (lhs ?? {}) as Record<string, unknown>;
    const right = (rhs ?? {}) as Record<string, unknown>;
    for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
      compareAt(left[key], right[key], mapChild(shape.node, key).type, [...path, fieldElement(key)], result);
    }
  } else {
    const where = () => pathToString(path);
    const left = indexItems(shape.node, (lhs ?? []) as unknown[], false, where).byElement;
    const right = indexItems(shape.node, (rhs ?? []) as unknown[], false, where).byElement;
    for (const element of new Set([...left.keys(), ...right.keys()])) {
      compareAt(left.get(element), right.get(element), shape.node.items, [...path, element], result);
    }
  }
  if (path.length === 0) return;
  if (lhs === undefined) result.added.insert(path);
  else if (rhs === undefined) result.removed.insert(path);
}

/**
 * Merges an applied configuration into a live value: maps key by key, set and keyed lists item by item, and
 * everything else (scalars, atomic lists and maps) replaced by the config. Returns a new value.
 */
export function merge(live: unknown, config: unknown, node: TypeNode): unknown {
  if (config === undefined) return structuredClone(live);
  if (live === undefined) return structuredClone(config);
  const shape = commonShape(live, config, node);
  if (shape.kind === 'leaf') return structuredClone(config);
  if (shape.kind === 'map') {
    const left = live as Record<string, unknown>;
    const right = config as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
      out[key] = merge(left[key], right[key], mapChild(shape.node, key).type);
    }
    return out;
  }
  return mergeLists(live as unknown[], config as unknown[], shape.node);
}

/**
 * Item order follows structured-merge-diff's merge: walking both lists, live-only items stay where they were,
 * the config's items come in the config's order, and shared items are placed where the config puts them.
 */
function mergeLists(live: unknown[], config: unknown[], node: ListNode): unknown[] {
  const where = () => 'list';
  const lhs = indexItems(node, live, false, where);
  const rhs = indexItems(node, config, false, where);
  const out: unknown[] = [];
  const emitted = new Set<PathElement>();
  const emit = (element: PathElement) => {
    if (emitted.has(element)) return;
    emitted.add(element);
    out.push(merge(lhs.byElement.get(element), rhs.byElement.get(element), node.items));
  };
  const sharedOrder = rhs.elements.filter((element) => lhs.byElement.has(element));
  let nextShared = sharedOrder.shift();
  let l = 0;
  let r = 0;
  while (l < lhs.elements.length || r < rhs.elements.length) {
    const left = lhs.elements[l];
    if (left !== undefined && r < rhs.elements.length) {
      if (left === rhs.elements[r]) {
        emit(left);
        l++;
        r++;
        nextShared = sharedOrder.shift();
        continue;
      }
      // A shared item the config wants later: it is emitted at the config's position.
      if (rhs.byElement.has(left) && nextShared !== undefined && nextShared !== left) {
        l++;
        continue;
      }
    }
    if (left !== undefined) {
      if (!rhs.byElement.has(left)) {
        emit(left);
        l++;
        continue;
      }
      if (emitted.has(left)) {
        l++;
        continue;
      }
    }
    const right = rhs.elements[r];
    if (right === undefined) {
      l++;
      continue;
    }
    emit(right);
    r++;
    if (nextShared === right) nextShared = sharedOrder.shift();
  }
  return out;
}

/**
 * Removes from `value` the fields in `toRemove`, except what `keep` still owns below them: a removed map or
 * item whose descendants someone else owns loses only the unowned parts. Maps and lists emptied by the removal
 * disappear unless `keep` owns them (as with structured-merge-diff before v6, which preserves them empty).
 * Returns a new value.
 */
export function removeFields(value: unknown, toRemove: FieldSet, keep: FieldSet, node: TypeNode): unknown {
  const out = structuredClone(value);
  removeBelow(out, toRemove, keep, node);
  return out;
}

/** Mutates `container` (already a private copy). */
function removeBelow(
  container: unknown,
  toRemove: FieldSet,
  keep: FieldSet | undefined,
  node: TypeNode,
): void {
  const shape = shapeOf(container, node);
  if (shape.kind === 'leaf') return;
  if (shape.kind === 'map') {
    const map = container as Record<string, unknown>;
    for (const key of Object.keys(map)) {
      const element = fieldElement(key);
      const remove = toRemove.children.get(element);
      if (!remove) continue;
      const kept = keep?.children.get(element);
      const verdict = removeChild(map[key], remove, kept, mapChild(shape.node, key).type);
      if (verdict === 'delete') delete map[key];
    }
    return;
  }
  const list = container as unknown[];
  const { elements } = indexItems(shape.node, list, false, () => 'list');
  for (let index = elements.length - 1; index >= 0; index--) {
    const element = elements[index]!;
    const remove = toRemove.children.get(element);
    if (!remove) continue;
    const verdict = removeChild(list[index], remove, keep?.children.get(element), shape.node.items);
    if (verdict === 'delete') list.splice(index, 1);
  }
}

function removeChild(
  child: unknown,
  remove: FieldSet,
  kept: FieldSet | undefined,
  type: TypeNode,
): 'delete' | 'keep' {
  if (remove.member && (!kept || kept.isEmpty())) return 'delete';
  const before = isEmptyContainer(child);
  removeBelow(child, remove, kept, type);
  const emptied = !before && isEmptyContainer(child);
  return emptied && !kept?.member ? 'delete' : 'keep';
}

function isEmptyContainer(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}
