import type { ChangeType, Source } from '../../src/runtime/source.ts';

export interface TestObject {
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** An in-memory Source: tests change objects by hand and decide when it counts as synced. */
export class FakeSource<T extends TestObject = TestObject> implements Source<T> {
  readonly objects = new Map<string, T>();
  readonly #handlers = new Set<(obj: T, change: ChangeType, previous?: T) => void>();
  #markSynced!: () => void;
  readonly #synced = new Promise<void>((resolve) => {
    this.#markSynced = resolve;
  });

  subscribe(handler: (obj: T, change: ChangeType, previous?: T) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  list(): readonly T[] {
    return [...this.objects.values()];
  }

  waitForSync(): Promise<void> {
    return this.#synced;
  }

  sync(): void {
    this.#markSynced();
  }

  upsert(obj: T): void {
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const previous = this.objects.get(key);
    const change = previous ? 'update' : 'add';
    this.objects.set(key, obj);
    for (const handler of this.#handlers) handler(obj, change, previous);
  }

  subscribers(): number {
    return this.#handlers.size;
  }
}
