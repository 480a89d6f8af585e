import type { ResourceType } from './types.ts';

/**
 * The set of resource types the server serves right now. Built-in kinds are added at start; the CRD controller
 * adds and removes custom kinds as their CustomResourceDefinitions come and go. Discovery and OpenAPI documents
 * are derived from it, so listeners are told of every change (documents are then rebuilt lazily).
 */
export class TypeRegistry {
  private readonly byPath = new Map<string, ResourceType>();
  private readonly listeners = new Set<() => void>();
  private generation = 0;

  add(type: ResourceType): void {
    this.byPath.set(pathKey(type.group, type.version, type.plural), type);
    this.changed();
  }

  /** Removes every version of group/plural. */
  remove(group: string, plural: string): void {
    for (const [key, type] of this.byPath) {
      if (type.group === group && type.plural === plural) this.byPath.delete(key);
    }
    this.changed();
  }

  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byPath.get(pathKey(group, version, plural));
  }

  /** Finds a type by kind within a group/version (for apiVersion+kind in request bodies and ownerReferences). */
  lookupKind(group: string, version: string, kind: string): ResourceType | undefined {
    for (const type of this.byPath.values()) {
      if (type.group === group && type.version === version && type.kind === kind) return type;
    }
    return undefined;
  }

  all(): ResourceType[] {
    return [...this.byPath.values()];
  }

  /** Increases on every change: caches of derived documents compare against it. */
  version(): number {
    return this.generation;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.generation++;
    for (const listener of this.listeners) listener();
  }
}

function pathKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}
