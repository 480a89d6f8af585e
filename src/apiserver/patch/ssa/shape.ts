// How a value is walked under its type node: as a leaf, a map merged key by key, or a list merged item by item.
import { isPlainObject } from '../json-merge-patch.ts';
import { indexElement, keyElement, type PathElement, valueElement } from './path-element.ts';
import { DEDUCED, type ListNode, type TypeNode } from './type-model.ts';

export type Shape = { kind: 'leaf' } | { kind: 'map'; node: TypeNode } | { kind: 'list'; node: ListNode };

const LEAF: Shape = { kind: 'leaf' };

/** The shape of `value` under `node`; a value that does not fit its type is a leaf (owned and replaced whole). */
export function shapeOf(value: unknown, node: TypeNode): Shape {
  if (isPlainObject(value)) {
    if (node.kind === 'deduced' || (node.kind === 'map' && !node.atomic)) return { kind: 'map', node };
    return LEAF;
  }
  if (Array.isArray(value) && node.kind === 'list' && node.listType !== 'atomic')
    return { kind: 'list', node };
  return LEAF;
}

/** The shape shared by both sides of a merge or comparison (one side may be absent). */
export function commonShape(lhs: unknown, rhs: unknown, node: TypeNode): Shape {
  if (lhs === undefined) return shapeOf(rhs, node);
  if (rhs === undefined) return shapeOf(lhs, node);
  const left = shapeOf(lhs, node);
  return left.kind === shapeOf(rhs, node).kind ? left : LEAF;
}

/** A map key's type and whether the schema declares it (undeclared keys are owned as members themselves). */
export function mapChild(node: TypeNode, key: string): { type: TypeNode; declared: boolean } {
  if (node.kind === 'map') {
    const declared = node.fields.get(key);
    if (declared) return { type: declared, declared: true };
    const element = node.elementType ?? DEDUCED;
    return { type: element, declared: element.kind === 'deduced' && element.struct === true };
  }
  if (node.kind === 'deduced') return { type: node, declared: node.struct === true };
  return { type: DEDUCED, declared: false };
}

/**
 * The path element naming a list item: its key fields for `map` lists, its value for `set` lists. Items of a
 * `map` list without all key fields fall back to their index when `strict` is false (live data written by
 * non-apply requests); an applied configuration (`strict`) must name every key.
 */
export function itemElement(
  node: ListNode,
  item: unknown,
  index: number,
  strict: boolean,
  where: () => string,
): PathElement {
  if (node.listType === 'set') return valueElement(item);
  const keyFields: Record<string, unknown> = {};
  for (const key of node.keys) {
    if (!isPlainObject(item) || item[key] === undefined) {
      if (!strict) return indexElement(index);
      throw new Error(
        `${where()}: element ${index}: associative list with keys has an element that omits key field ${JSON.stringify(key)} (and doesn't have default value)`,
      );
    }
    keyFields[key] = item[key];
  }
  return keyElement(keyFields);
}

/** Items of a list by path element, in order; a repeated element keeps its first item. */
export function indexItems(
  node: ListNode,
  list: readonly unknown[],
  strict: boolean,
  where: () => string,
): { elements: PathElement[]; byElement: Map<PathElement, unknown> } {
  const elements: PathElement[] = [];
  const byElement = new Map<PathElement, unknown>();
  list.forEach((item, index) => {
    const element = itemElement(node, item, index, strict, where);
    elements.push(element);
    if (!byElement.has(element)) byElement.set(element, item);
  });
  return { elements, byElement };
}
